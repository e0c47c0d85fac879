"""Tables for people: labels go back on here, from the arrays of a round's result."""
