"""A traced call replayed without building a graph: the tape (a Wengert list on floats, or
compiled to straight-line Python) and its batched replay over numpy rows."""
