"""The independent references `check` compares compiled derivatives with.

Each reference runs the user's own Python function, never symgrad's IR or its derivative rules: the tape engine
(`symgrad.tape.Value`, its own derivative code), SymPy on a trace of the function at the point (`point_sympy`),
and mpmath finite differences of the function evaluated at high precision (`finite_differences`). `rebind` is
how one undecorated function runs on each of them: a copy of it whose math calls are the reference's own.
This package never imports the compiler's transforms, passes or targets: that independence is the point.
"""
