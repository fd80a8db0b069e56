"""The cliff commands, one module per resource; ``shell`` registers them."""
