"""Small redistributable real-text corpora that ship with the package (see README.md here)."""
