"""The saved format: reading a saved run back and checking its fields."""
