"""What an instructor uses to write and hand out a pack, above the grader that checks it.

    scaffold       `pack new`: a new pack, every field explained
    check          `pack check`: the whole pack against the real rustc (check_report: its findings)
    lesson_blocks  the lessons' code blocks compiled and run as their tags say
    export         `pack export`: a hand-out without the reference solutions
"""
