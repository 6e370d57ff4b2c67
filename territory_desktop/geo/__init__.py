"""Geometry on the plan: assigning accounts to territories, distances, polygon repair, seeding."""
