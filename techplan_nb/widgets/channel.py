"""Keep every widget message the kernel sends on its way to the browser.

The kernel publishes widget messages on its IOPub socket, a ZeroMQ PUB socket whose send queue
holds 1000 messages by default. A PUB socket drops what does not fit, without a word. Opening a
form tab makes hundreds of widgets (the example's Timeline: about 850, one message each, and more
for their values) in a fraction of a second; when the server that relays them is busy (a laptop
running a browser, a CI machine), the queue fills and the browser later waits for a widget it never
heard of: "widget model not found" in its console, and the row that needed it is not drawn.
"""

from __future__ import annotations

from typing import Any


def keep_all_widget_messages() -> bool:
    """Let this kernel's IOPub queue grow as needed rather than drop; False outside a kernel.

    Messages then wait in the kernel until the server reads them (a few MB at worst, for a
    moment). libzmq applies a changed high-water mark to connections already open; the option is
    set on the IOPub thread, which owns the socket (ZeroMQ sockets are not thread-safe).
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - ipywidgets depends on IPython
        return False
    shell = get_ipython()
    thread: Any = getattr(getattr(shell, "kernel", None), "iopub_thread", None)
    socket: Any = getattr(thread, "socket", None)
    if thread is None or not hasattr(socket, "setsockopt"):
        return False
    import zmq

    thread.io_loop.add_callback(lambda: socket.setsockopt(zmq.SNDHWM, 0))
    return True
