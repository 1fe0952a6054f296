"""The form's look: one stylesheet, shipped inside the page (no web fonts, no CDN, no icons)."""

CSS = """<style>
.tp-form { font-size: 13px; }
.tp-form .tp-heading-line { font-size: 15px; margin: 2px 0 6px 0; }
.tp-form .tp-app { font-weight: 700; color: #1f4e8c; margin-right: 6px; }
.tp-form .tp-plan-title { font-weight: 600; }
.tp-form .tp-ok { color: #1e7b34; font-weight: 600; }
.tp-form .tp-bad { color: #b3261e; font-weight: 600; }
.tp-form .tp-warn { color: #8a5a00; }
.tp-form .tp-muted { color: #666; font-size: 12px; }
.tp-form .tp-error { color: #b3261e; font-size: 12px; line-height: 1.35; margin: 0 0 4px 10.5em; }
/* An HTML widget's lines are as tall as an input box; a message that wraps is one paragraph. */
.tp-form .tp-error .widget-html-content, .tp-form .tp-error.widget-html-content { line-height: 1.35; }
.tp-form .tp-row .tp-error, .tp-form .tp-task .tp-error, .tp-form .tp-card .tp-row .tp-error { margin-left: 0; }
.tp-form .tp-beside .tp-error { margin-left: 0; }
.tp-form .tp-heading { margin: 12px 0 4px 0; color: #333; }
.tp-form .tp-label { text-align: right; padding-right: 8px; justify-content: flex-end; }
/* Tabs keep their whole titles on one row: a bar that does not fit scrolls sideways (a thin
   scrollbar under it) rather than wrapping into a second row that moves the form down. */
.tp-form .lm-TabBar-tab, .tp-form .p-TabBar-tab { flex: 0 0 auto !important; min-width: 0 !important;
  max-width: none !important; padding: 0 6px !important; }
.tp-form .lm-TabBar-content { flex-wrap: nowrap; min-width: max-content; }
.tp-form .jupyter-widget-tab > .lm-TabBar, .tp-form .widget-tab > .lm-TabBar { height: auto; overflow-x: auto;
  overflow-y: hidden; scrollbar-width: thin; flex-shrink: 0; }
.tp-form .lm-TabBar-tabLabel { overflow: visible; }
.tp-form .tp-card { border: 1px solid #d7dce3; border-radius: 6px; padding: 6px 6px 2px 6px; margin: 3px 0;
  background: #fbfcfe; }
.tp-form .tp-task { border-left: 3px solid #c9d6ea; padding-left: 6px; margin: 2px 0; }
.tp-form .tp-list { margin: 4px 0 8px 0; }
.tp-form .tp-rowbtn { min-width: 29px; padding: 0; }
/* ↑ ↓ ✕ buttons: their text is their accessible name ("Remove risk 2"), hidden; the icon is drawn
   with no text of its own (the "/ ''" alternative), so the name stays the words. */
.tp-form button.tp-rowbtn { font-size: 0; overflow: hidden; }
.tp-form button.tp-rowbtn::before { font-size: 13px; }
.tp-form button.tp-icon-up::before { content: "↑" / ""; }
.tp-form button.tp-icon-down::before { content: "↓" / ""; }
.tp-form button.tp-icon-remove::before { content: "✕" / ""; }
/* Where the keyboard is, always visible: a clear ring on whatever has the focus. */
.tp-form :is(button, input, textarea, select, a, [tabindex]):focus-visible,
.tp-form .lm-TabBar-tab:focus-visible { outline: 2px solid #1a5fb4 !important; outline-offset: 1px; }
.tp-form .tp-remove button, .tp-form button.tp-remove { color: #b3261e; }
.tp-form .tp-add { margin-top: 2px; }
.tp-form textarea { font-family: var(--jp-ui-font-family, sans-serif); font-size: 13px; }
.tp-form .tp-code textarea { font-family: "DejaVu Sans Mono", monospace; font-size: 12px; }
.tp-form .tp-msg { padding: 4px 8px; border-radius: 4px; margin: 4px 0; }
.tp-form .tp-msg-ok { background: #e8f5e9; }
.tp-form .tp-msg-warn { background: #fff4d6; }
.tp-form .tp-msg-error { background: #fde7e7; color: #8c1d18; }
.tp-form .tp-problem-box { background: #fff4f4; border: 1px solid #f1c0bd; border-radius: 6px; padding: 4px 10px;
  margin: 4px 0; max-height: 9em; overflow: auto; }
.tp-form .tp-problem-box ul { margin: 2px 0; padding-left: 18px; }
.tp-form .tp-files-box { background: #eef6ee; border: 1px solid #bfe0c0; border-radius: 6px; padding: 4px 10px;
  margin: 4px 0; }
.tp-form .tp-files-box ul { margin: 2px 0; padding-left: 18px; }
.tp-form .tp-file { white-space: nowrap; }
.tp-form .tp-stale { background: #fff4d6; padding: 3px 8px; border-radius: 4px; }
.tp-form .tp-preview-column { border-left: 1px solid #e0e4ea; padding-left: 10px; }
.tp-form .tp-preview-plan, .tp-form .tp-preview-plan .widget-html-content { font-size: 13px; line-height: 1.45;
  width: 100%; white-space: normal; overflow-wrap: break-word; }
.tp-form .tp-preview-plan p { margin: 4px 0; }
.tp-form .tp-preview-plan h1 { font-size: 20px; margin: 4px 0 10px 0; }
.tp-form .tp-preview-plan h2 { font-size: 16px; border-bottom: 1px solid #e0e4ea; margin: 16px 0 6px 0; }
.tp-form .tp-preview-plan h3 { font-size: 14px; margin: 10px 0 4px 0; }
/* A table is as wide as its text (each cell up to 18em, then it wraps) and scrolls sideways inside
   a narrow preview: the risk register's columns were squeezed to a word each at 1024 px. */
.tp-form .tp-preview-plan table { border-collapse: collapse; margin: 6px 0; display: block; overflow-x: auto;
  max-width: 100%; width: max-content; }
.tp-form .tp-preview-plan .tp-cell { max-width: 18em; min-width: 2em; width: max-content; white-space: normal;
  overflow-wrap: break-word; }
.tp-form .tp-preview-plan th .tp-cell { max-width: 12em; }
.tp-form .tp-preview img.widget-image { max-width: none; flex-shrink: 0; align-self: flex-start; }
.tp-form .tp-preview-plan th, .tp-form .tp-preview-plan td { border: 1px solid #d0d7de; padding: 3px 6px;
  vertical-align: top; }
.tp-form .tp-preview-plan li.tp-task-item { list-style: none; margin-left: -1.1em; }
.tp-form .tp-preview-plan pre, .tp-form .tp-preview-markdown pre { background: #f6f8fa; padding: 6px;
  overflow: auto; font-size: 12px; white-space: pre-wrap; line-height: 1.4; word-break: normal;
  overflow-wrap: break-word; }
/* Nothing is cut short in a narrow column (issue 17). A one-line free-text box grows as its text
   wraps; a dropdown is never narrower than its chosen option; a row of fields wraps onto a second
   line before a field gets too small; messages wrap between words. */
.tp-form .tp-oneline, .tp-form .tp-oneline.widget-textarea { height: auto; align-items: flex-start; }
.tp-form .tp-oneline textarea { field-sizing: content; resize: none; overflow: hidden; white-space: pre-wrap;
  min-height: var(--jp-widgets-inline-height, 28px); line-height: 18px; height: auto;
  font-family: var(--jp-ui-font-family, sans-serif); }
.tp-form .tp-oneline .widget-label, .tp-form .tp-oneline label { align-self: flex-start; line-height: 28px; }
.tp-form select { min-width: max-content; flex-shrink: 0 !important; }
.tp-form .widget-dropdown, .tp-form .jupyter-widget-dropdown { min-width: max-content; }
.tp-form .tp-row-of { flex-wrap: wrap; column-gap: 0; row-gap: 2px; }
.tp-form .tp-error, .tp-form .tp-error .widget-html-content, .tp-form .tp-msg, .tp-form .tp-footer,
.tp-form .tp-footer .widget-html-content { white-space: normal; overflow-wrap: break-word; word-break: normal;
  min-width: 0; max-width: 100%; }
.tp-form .tp-error { height: auto; }
/* The footer: problems, progress, messages and files written, pinned to the window's bottom edge.
   A sticky box sticks inside its nearest scrolling ancestor: the form and the output area around
   it (Voila's and JupyterLab's) clip their overflow, so it stuck to nothing and sat below the form;
   they let it through, so the footer sticks to the page's (or the notebook's) scrolling panel. */
.tp-form.tp-form, .jp-OutputArea:has(.tp-footer), .jp-OutputArea-child:has(.tp-footer),
.jp-OutputArea-output:has(.tp-footer) { overflow: visible !important; }
.tp-form .tp-footer { position: sticky; bottom: 0; z-index: 5; background: #fff; border-top: 1px solid #d7dce3;
  box-shadow: 0 -2px 6px rgba(0, 0, 0, 0.06); max-height: 32vh; overflow-y: auto; padding: 2px 4px; }
.tp-form .tp-footer .tp-msg { margin: 2px 0; }
.tp-form .tp-footer > *, .tp-form .tp-footer .tp-problems > *, .tp-form .tp-problem-list > * { flex-shrink: 0;
  height: auto; }
.tp-form .tp-footer .widget-html, .tp-form .tp-footer .widget-html-content { height: auto; line-height: 1.4; }
.tp-form .tp-footer .widget-html:empty, .tp-form .tp-footer .widget-html-content:empty { display: none; }
.tp-form .tp-problems { background: #fff4f4; border: 1px solid #f1c0bd; border-radius: 6px; padding: 2px 8px;
  margin: 2px 0; }
.tp-form .tp-problem-head { line-height: 1.5; }
.tp-form button.tp-problem-link { height: auto; min-height: 22px; white-space: normal; text-align: left;
  justify-content: flex-start; background: transparent; border: 0; box-shadow: none; color: #8c1d18;
  text-decoration: underline; padding: 1px 4px; margin: 0; line-height: 1.35; overflow: visible; }
.tp-form button.tp-problem-link:hover, .tp-form button.tp-problem-link:focus { background: #fde7e7; }
.tp-form .tp-downloads a, .tp-form .tp-download-folder-box a { color: #1f4e8c; }
.tp-form .tp-options { flex-wrap: wrap; row-gap: 2px; }
/* A download not on offer yet takes the place, and the width, its link will have. */
.tp-form .tp-download-off { color: #777; }
.tp-form .tp-download-links { white-space: nowrap; }
.tp-form button.tp-copy-markdown { min-width: 9.5em; height: 24px; margin-right: 8px; padding: 0 8px;
  border: 1px solid #b8c2cc; border-radius: 3px; background: #f5f7fa; color: #1f2328; font: inherit;
  cursor: pointer; }
.tp-form button.tp-copy-markdown:hover:not(:disabled) { background: #e8edf3; }
.tp-form button.tp-copy-markdown:disabled { color: #888; cursor: default; }
.tp-form .tp-heading-line { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
/* The plan's Gantt chart in the preview (widgets/gantt.py): HTML bars, text at 11-12 px. */
.tp-form .tp-gantt { margin: 6px 0 10px 0; font-size: 12px; line-height: 1.3; }
.tp-form .tp-gantt-title { font-weight: 600; margin-bottom: 4px; }
.tp-form .tp-gantt-section { font-weight: 600; color: #333; margin: 4px 0 1px 0; font-size: 12px; }
.tp-form .tp-gantt-row { display: flex; align-items: center; min-height: 18px; }
.tp-form .tp-gantt-label { flex: 0 0 38%; max-width: 38%; padding-right: 8px; white-space: normal;
  overflow-wrap: break-word; font-size: 12px; line-height: 1.25; }
.tp-form .tp-gantt-track { position: relative; flex: 1 1 auto; height: 16px; border-left: 1px solid #999; }
.tp-form .tp-gantt-grid { position: absolute; top: 0; bottom: 0; width: 0; border-left: 1px solid #e3e6ea; }
.tp-form .tp-gantt-bar { position: absolute; top: 3px; height: 10px; border-radius: 2px; }
.tp-form .tp-gantt-crit { background: #d64541; }
.tp-form .tp-gantt-normal { background: #4a78b5; }
.tp-form .tp-gantt-done { background: #9aa3ad; }
.tp-form .tp-gantt-axis .tp-gantt-track { background: none; border-left: 0; border-top: 1px solid #999; height: 18px; }
.tp-form .tp-gantt-tick { position: absolute; top: 2px; font-size: 11px; color: #444; white-space: nowrap;
  transform: translateX(-50%); }
.tp-form .tp-gantt-key { font-size: 11px; color: #444; margin-top: 2px; }
.tp-form .tp-gantt-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
  vertical-align: -1px; margin-left: 8px; }
.tp-form .tp-diagram-note { background: #f6f8fa; border: 1px dashed #c9d1d9; border-radius: 4px; padding: 4px 8px;
  color: #555; margin: 6px 0; }
</style>"""
