"""The doorstep matcher: zone-ruled assignment and walking/e-bike itineraries (OR-Tools)."""
