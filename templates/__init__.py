"""Emission templates for symgrad's code generator (shipped inside the wheel as `symgrad.templates`)."""
