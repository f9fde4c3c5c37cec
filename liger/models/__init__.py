"""Label models: majority vote and the triplet method (FlyingSquid), one interface."""
