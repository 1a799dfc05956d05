"""`build.py init`: a new force's first params file and recommendation files, from its downloads."""
