"""Who is looking: the principal of this session.

Demo mode (ITRAC_DEMO, set by the operator, never by the page) offers a "View as"
switcher over the demo users and shows a demo-data badge. Without demo mode or sign-in
the server serves no data and says how to configure it.
"""

from __future__ import annotations

import streamlit as st

from data_access import settings
from data_access.access import Principal
from data_access.entitlements import EntitlementError, load_users


@st.cache_data(ttl=60, show_spinner=False)
def _demo_users(path: str) -> dict[str, Principal]:
    from pathlib import Path

    return load_users(Path(path))


def current_principal() -> Principal:
    """The principal of this session; stops the script when there is none."""
    if settings.demo_mode():
        return _demo_principal()
    st.error(
        "This server has no sign-in configured, so it serves no data. "
        "For the demo data set ITRAC_DEMO=1 (make run does), or configure sign-in "
        "in .streamlit/secrets.toml (see secrets.toml.example)."
    )
    st.stop()
    raise AssertionError("unreachable")


def _demo_principal() -> Principal:
    try:
        users = _demo_users(str(settings.users_file()))
    except EntitlementError as error:
        st.error(str(error))
        st.stop()
    st.sidebar.badge("DEMO DATA - synthetic, not real trade data", color="orange", icon="🧪")
    user = st.sidebar.selectbox(
        "View as",
        list(users),
        format_func=lambda user_id: f"{users[user_id].name} ({users[user_id].role})",
        key="view_as",
        bind="query-params",
        help="Demo mode: see the dashboard as an importer, a broker or CBP staff.",
    )
    return users[user]
