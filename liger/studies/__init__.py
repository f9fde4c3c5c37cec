"""Studies: tasks that draw the paper's argument (smoothness, bias and variance) from many runs' parts."""
