"""How the world reaches Backflow: the HTTP server and the command line."""
