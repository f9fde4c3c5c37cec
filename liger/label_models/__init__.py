"""Label models behind one interface: majority vote, the triplet method (FlyingSquid), Dawid–Skene EM."""
