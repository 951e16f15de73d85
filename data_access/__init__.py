"""Everything below the screen: the lake, the engines, the reports. Never imports streamlit."""
