"""Published PERT/CPM networks and their textbook answers, shared by the schedule and analyze suites.

Sources are named beside each network in tests/unit/test_schedule.py.
"""

# Hillier & Lieberman, "Introduction to Operations Research" (McGraw-Hill), chapter "Project
# Management with PERT/CPM": the Reliable Construction Co. project. Checked against a copy of the
# case's activity table (solutioninn.com, "Part B The RELIABLE CONSTRUCTION COMPANY ..."): the 14
# activities, their names and the mean durations 2, 4, 10, 6, 4, 5, 7, 9, 7, 8, 4, 5, 2, 6 weeks, and
# the 47-week deadline. The book's three estimates (o, m, p) below were not in any stored copy; each
# gives exactly the book's integer mean, which a misremembered triple would not. The book's answers:
# mean critical path START-A-B-C-E-F-J-L-N-FINISH, 44 weeks, variance 9 (sigma 3), so
# P(T <= 47) = P(Z <= 1) = 0.84; and the slack table below.
RELIABLE = {
    "A": ((1, 2, 3), []),            # excavate
    "B": ((2, 3.5, 8), ["A"]),       # lay the foundation
    "C": ((6, 9, 18), ["B"]),        # put up the rough wall
    "D": ((4, 5.5, 10), ["C"]),      # put up the roof
    "E": ((1, 4.5, 5), ["C"]),       # install the exterior plumbing
    "F": ((4, 4, 10), ["E"]),        # install the interior plumbing
    "G": ((5, 6.5, 11), ["D"]),      # put up the exterior siding
    "H": ((5, 8, 17), ["E", "G"]),   # do the exterior painting
    "I": ((3, 7.5, 9), ["C"]),       # do the electrical work
    "J": ((3, 9, 9), ["F", "I"]),    # put up the wallboard
    "K": ((4, 4, 4), ["J"]),         # install the flooring
    "L": ((1, 5.5, 7), ["J"]),       # do the interior painting
    "M": ((1, 2, 3), ["H"]),         # install the exterior fixtures
    "N": ((5, 5.5, 9), ["K", "L"]),  # install the interior fixtures
}


RELIABLE_MEANS = {"A": 2, "B": 4, "C": 10, "D": 6, "E": 4, "F": 5, "G": 7, "H": 9, "I": 7, "J": 8, "K": 4,
                  "L": 5, "M": 2, "N": 6}


# The same book's CPM table (earliest and latest start, and slack, with the mean durations above).
RELIABLE_ES_LS_SLACK = {
    "A": (0, 0, 0), "B": (2, 2, 0), "C": (6, 6, 0), "D": (16, 20, 4), "E": (16, 16, 0), "F": (20, 20, 0),
    "G": (22, 26, 4), "H": (29, 33, 4), "I": (16, 18, 2), "J": (25, 25, 0), "K": (33, 34, 1), "L": (33, 33, 0),
    "M": (38, 42, 4), "N": (38, 38, 0)}


# Anderson, Sweeney & Williams, "An Introduction to Management Science" (Cengage, 2014), chapter 9
# "Project Scheduling: PERT/CPM", the Porta-Vac cordless vacuum cleaner project, checked against a
# copy of the book (digilib.universitaspertamina.ac.id/ebook/An%20Introduction%20to%20Management%20Science/
# files/basic-html/page404.html to page406.html): Table 9.4's estimates (a, m, b), Figure 9.12's
# ES/EF/LS/LF, "the critical path of A-E-H-I-J resulted in an expected total project completion time
# of 17 weeks". Predecessors as in the book's activity list (a copy: writersdomain.org/2020/10/10/
# project-management-using-excel): E waits for A only, H for B and E, J for F, G and I. A three-way
# merge (J) and a three-way burst (A), with slack left on three side branches. The book's Start and
# Finish are milestones, nodes without work. The project variance 2.722 (sigma 1.65) and z = 1.818 for
# the 20-week goal as a worked solution sheet gives them (sweetstudy.com/files/
# m2porta-vac-solutionlearningactivity5-xlsx; its slack column disagrees with the book's figure, which
# is used here).
PORTA_VAC = {
    "A": ((4, 5, 12), []), "B": ((1, 1.5, 5), []), "C": ((2, 3, 4), ["A"]), "D": ((3, 4, 11), ["A"]),
    "E": ((2, 3, 4), ["A"]), "F": ((1.5, 2, 2.5), ["C"]), "G": ((1.5, 3, 4.5), ["D"]),
    "H": ((2.5, 3.5, 7.5), ["B", "E"]), "I": ((1.5, 2, 2.5), ["H"]), "J": ((1, 2, 3), ["F", "G", "I"]),
}


PORTA_VAC_TABLE = {  # Figure 9.12: ES, EF, LS, LF; slack = LS - ES
    "A": (0, 6, 0, 6, 0), "B": (0, 2, 7, 9, 7), "C": (6, 9, 10, 13, 4), "D": (6, 11, 7, 12, 1),
    "E": (6, 9, 6, 9, 0), "F": (9, 11, 13, 15, 4), "G": (11, 14, 12, 15, 1), "H": (9, 13, 9, 13, 0),
    "I": (13, 15, 13, 15, 0), "J": (15, 17, 15, 17, 0)}


PORTA_VAC_VARIANCE = {"A": 1.78, "B": 0.44, "C": 0.11, "D": 1.78, "E": 0.11, "F": 0.03, "G": 0.25, "H": 0.69,
                      "I": 0.03, "J": 0.11}  # Table 9.5, rounded to 2 decimals as the book prints them


# A PERT exercise of 14 activities, A-N, days, with fractional expected times and a worked answer
# (wizedu.com/questions/717873): means and sigmas to 2 decimals, and the ES/EF/LS/LF/slack table,
# of which the stored copy shows rows A-F (the rest is not checked here). Merges at E (B, C),
# H (E, F), I (G, H) and N (L, M); slack of 1.83 on the D-F branch, which a rounded sum gets wrong.
FOURTEEN = {
    "A": ((5, 5, 7), []), "B": ((1, 2, 5), []), "C": ((5, 5, 5), ["A"]), "D": ((4, 8, 13), ["A"]),
    "E": ((1, 10, 17), ["B", "C"]), "F": ((1, 5, 7), ["D"]), "G": ((2, 6, 9), ["D"]), "H": ((4, 4, 6), ["E", "F"]),
    "I": ((2, 7, 10), ["G", "H"]), "J": ((2, 4, 7), ["I"]), "K": ((6, 10, 13), ["I"]), "L": ((2, 6, 6), ["J"]),
    "M": ((2, 2, 3), ["K"]), "N": ((7, 7, 12), ["L", "M"]),
}


FOURTEEN_MEAN_SIGMA = {
    "A": (5.33, 0.33), "B": (2.33, 0.67), "C": (5.00, 0.00), "D": (8.17, 1.50), "E": (9.67, 2.67), "F": (4.67, 1.00),
    "G": (5.83, 1.17), "H": (4.33, 0.33), "I": (6.67, 1.33), "J": (4.17, 0.83), "K": (9.83, 1.17), "L": (5.33, 0.67),
    "M": (2.17, 0.17), "N": (7.83, 0.83)}


FOURTEEN_TABLE = {  # ES, EF, LS, LF, slack, to 2 decimals
    "A": (0.00, 5.33, 0.00, 5.33, 0.00), "B": (0.00, 2.33, 8.00, 10.33, 8.00), "C": (5.33, 10.33, 5.33, 10.33, 0.00),
    "D": (5.33, 13.50, 7.17, 15.33, 1.83), "E": (10.33, 20.00, 10.33, 20.00, 0.00),
    "F": (13.50, 18.17, 15.33, 20.00, 1.83)}


# A lecture deck's CPM quiz with its worked answer (slideplayer.com/slide/3283910, "What is the
# critical path? A,B,E,G,H / A,C,E,G,H / A,C,F,G,H / A,D,F,G,H", then every activity's ES, LS, EF, LF
# written on the network): eight activities, the precedences being the four paths it lists. C feeds
# two merges (E with B, F with D) and is critical through only one of them; the answer is A-C-F-G-H,
# 22; B and D have 3 of slack, E 1.
LECTURE_QUIZ = {"A": (4, []), "B": (3, ["A"]), "C": (5, ["A"]), "D": (2, ["A"]), "E": (5, ["B", "C"]),
                "F": (6, ["C", "D"]), "G": (4, ["E", "F"]), "H": (3, ["G"])}


LECTURE_QUIZ_TABLE = {  # ES, EF, LS, LF, slack
    "A": (0, 4, 0, 4, 0), "B": (4, 7, 7, 10, 3), "C": (4, 9, 4, 9, 0), "D": (4, 6, 7, 9, 3), "E": (9, 14, 10, 15, 1),
    "F": (9, 15, 9, 15, 0), "G": (15, 19, 15, 19, 0), "H": (19, 22, 19, 22, 0)}


# Anderson, Sweeney & Williams, the same chapter's CPM example: the Western Hills Shopping Center
# expansion (nine activities, weeks), with the answers as the book's companion slides print them
# (slideplayer.com/slide/16792717, "Tenants move in ... TOTAL 51"; ES/EF per task, LS/slack of the
# slack-bearing ones): 26 weeks, critical path A-E-F-G-I; B, C, D and H have slack 6, 3, 2 and 3.
WESTERN_HILLS = {"A": (5, []), "B": (6, []), "C": (4, ["A"]), "D": (3, ["A"]), "E": (1, ["A"]), "F": (4, ["E"]),
                 "G": (14, ["D", "F"]), "H": (12, ["B", "C"]), "I": (2, ["G", "H"])}


WESTERN_HILLS_TABLE = {  # ES, EF, LS, LF, slack
    "A": (0, 5, 0, 5, 0), "B": (0, 6, 6, 12, 6), "C": (5, 9, 8, 12, 3), "D": (5, 8, 7, 10, 2), "E": (5, 6, 5, 6, 0),
    "F": (6, 10, 6, 10, 0), "G": (10, 24, 10, 24, 0), "H": (9, 21, 12, 24, 3), "I": (24, 26, 24, 26, 0)}
