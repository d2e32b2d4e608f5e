"""The main window's panes and dialogs."""
