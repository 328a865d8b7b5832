"""Attendance data: the store on the Pi, and what records it."""
