"""Admin pages for zones, assets, faults and maintenance."""
