"""Shared widgets: identity, the filter bar, KPI rows, charts with their tables and exports."""
