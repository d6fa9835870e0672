"""SGD by Example's lessons: one module per chapter, holding the code its page shows and what that
code calls, and `checks`, the argument checks every lesson shares. The code that draws the pages'
figures, tables and sentences is in the subpackage `drawing`; lessons never import it.
"""
