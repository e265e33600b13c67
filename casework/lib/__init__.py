"""Small helpers shared by the apps (Django allowed; STYLE 3.2)."""
