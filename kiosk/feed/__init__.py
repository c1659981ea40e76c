"""The central store's signed feed as the kiosk consumes it: bundles, trust and sync."""
