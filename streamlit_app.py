"""Entry point: page setup, who is signed in, localized navigation, then the selected page.

Served by ``asgi.py`` (``st.App``), which adds the login and logout routes that set the
session cookie read here.
"""

from __future__ import annotations

import streamlit as st

from services.permissions import Permission, allowed
from ui.auth import account_box, must_change_password, sign_in_state
from ui.errors import run_page
from ui.messages import t
from ui.page import page_setup
from ui.warmup import warm_up_staff_pages

lang = page_setup()
user = sign_in_state()

# A survey link (QR code, SMS) is ``/?t=<token>``: with a token the root URL opens the
# answering page instead of the home page.
has_token = bool(st.query_params.get("t"))

# Icons are Material Symbols (bundled with Streamlit): emoji need a colour-emoji font that
# many office PCs and servers lack.
# Pages are registered explicitly so their titles can be localized. Their folder is
# app_pages/, not pages/: a pages/ folder beside the entry point switches Streamlit into
# its legacy multipage mode, in which a rerun (or a cold start on /home) runs the page
# without this script, i.e. without page_setup() and the language selector.
# The default page is served at "/" only: Streamlit answers its own url_path with "Page
# not found". So the home page, when it is the default, is registered under another
# (never shown) path, and /home is a hidden page that moves to it (a bookmarked or typed
# /home, or one that a link still carries).
home = st.Page(
    "app_pages/home.py",
    title=t("nav.home", lang),
    icon=":material/home:",
    url_path="home" if has_token else "start",
    default=not has_token,
)


def go_home() -> None:
    st.switch_page(home, query_params=st.query_params.to_dict())


home_alias = st.Page(go_home, title=t("nav.home", lang), url_path="home", visibility="hidden")
survey = st.Page(
    "app_pages/survey.py",
    title=t("nav.survey", lang),
    icon=":material/edit_note:",
    url_path="survey",
    default=has_token,
)
results = st.Page(
    "app_pages/results.py", title=t("nav.results", lang), icon=":material/leaderboard:", url_path="results"
)
unit = st.Page("app_pages/unit.py", title=t("nav.unit", lang), icon=":material/apartment:", url_path="unit")
bulletin = st.Page(
    "app_pages/bulletin.py", title=t("nav.bulletin", lang), icon=":material/campaign:", url_path="bulletin"
)
inspection_bulletin = st.Page(
    "app_pages/inspection_bulletin.py",
    title=t("nav.inspection_bulletin", lang),
    icon=":material/visibility:",
    url_path="inspection-bulletin",
)
typical_cases = st.Page(
    "app_pages/typical_cases.py",
    title=t("nav.typical_cases", lang),
    icon=":material/report:",
    url_path="typical-cases",
)
public = [home, survey, results, unit, bulletin, inspection_bulletin, typical_cases]
if not has_token:
    public.append(home_alias)
login_page = None
if user is None:
    login_page = st.Page(
        "app_pages/login.py", title=t("nav.login", lang), icon=":material/login:", url_path="login"
    )
    public.append(login_page)

# Staff pages are listed only for the roles that may use them; each page checks again.
staff = []
if allowed(user, Permission.configure_campaign):
    # set-up first, in the order a new city does it: register, campaign, questionnaire
    title = t("nav.units", lang)
    staff.append(st.Page("app_pages/units.py", title=title, icon=":material/domain:", url_path="units"))
    title = t("nav.campaigns", lang)
    staff.append(
        st.Page("app_pages/campaigns.py", title=title, icon=":material/event_note:", url_path="campaigns")
    )
    title = t("nav.questionnaire", lang)
    staff.append(
        st.Page("app_pages/questionnaire.py", title=title, icon=":material/quiz:", url_path="questionnaire")
    )
    title = t("nav.invitations", lang)
    staff.append(
        st.Page("app_pages/invitations.py", title=title, icon=":material/qr_code_2:", url_path="invitations")
    )
if allowed(user, Permission.assign_cases) or allowed(user, Permission.configure_campaign):
    title = t("nav.sampling", lang)
    staff.append(st.Page("app_pages/sampling.py", title=title, icon=":material/groups:", url_path="sampling"))
if allowed(user, Permission.record_calls):
    title = t("nav.calls", lang)
    staff.append(st.Page("app_pages/calls.py", title=title, icon=":material/call:", url_path="calls"))
if allowed(user, Permission.watch_fieldwork):
    title = t("nav.fieldwork", lang)
    staff.append(
        st.Page("app_pages/fieldwork.py", title=title, icon=":material/monitoring:", url_path="fieldwork")
    )
if allowed(user, Permission.configure_campaign):
    title = t("nav.indicators", lang)
    staff.append(
        st.Page("app_pages/indicators.py", title=title, icon=":material/database:", url_path="indicators")
    )
    title = t("nav.adjustments", lang)
    staff.append(
        st.Page("app_pages/adjustments.py", title=title, icon=":material/exposure:", url_path="adjustments")
    )
if allowed(user, Permission.score):
    title = t("nav.scoring", lang)
    staff.append(
        st.Page("app_pages/scoring.py", title=title, icon=":material/calculate:", url_path="scoring")
    )
# admins decide appeals; a liaison appeals (and follows the ledger) for its own unit
if allowed(user, Permission.decide_appeal) or (
    user is not None and allowed(user, Permission.file_appeal, user.unit_id)
):
    title = t("nav.appeals", lang)
    staff.append(st.Page("app_pages/appeals.py", title=title, icon=":material/gavel:", url_path="appeals"))
    title = t("nav.rectification", lang)
    staff.append(
        st.Page(
            "app_pages/rectification.py", title=title, icon=":material/task_alt:", url_path="rectification"
        )
    )
if allowed(user, Permission.score):
    staff.append(
        st.Page(
            "app_pages/review.py",
            title=t("nav.review", lang),
            icon=":material/fact_check:",
            url_path="review",
        )
    )
# the seeds' registries: inspections (明察暗访), accountability cases (问责案件), fault tolerance
if allowed(user, Permission.manage_registries):
    for page_file, key, icon, path in (
        ("inspections", "nav.inspections", ":material/travel_explore:", "inspections"),
        ("inspection_results", "nav.inspection_results", ":material/fact_check:", "inspection-results"),
        ("accountability", "nav.accountability", ":material/policy:", "accountability"),
    ):
        staff.append(st.Page(f"app_pages/{page_file}.py", title=t(key, lang), icon=icon, url_path=path))
if allowed(user, Permission.record_inspections):
    title = t("nav.visits", lang)
    staff.append(
        st.Page("app_pages/visits.py", title=title, icon=":material/assignment_add:", url_path="visits")
    )
# admins take the procedure's steps; a liaison applies for its own unit
if allowed(user, Permission.manage_registries) or (
    user is not None and allowed(user, Permission.file_appeal, user.unit_id)
):
    title = t("nav.fault_tolerance", lang)
    staff.append(
        st.Page(
            "app_pages/fault_tolerance.py", title=title, icon=":material/shield:", url_path="fault-tolerance"
        )
    )
if allowed(user, Permission.manage_users):
    title = t("nav.accounts", lang)
    staff.append(
        st.Page("app_pages/accounts.py", title=title, icon=":material/lock_person:", url_path="accounts")
    )

# Every signed-in person changes their own password (修改密码); one who signed in with a
# one-time password from an administrator gets that page only (and sign-out), until it is changed.
must_change = must_change_password()
if user is not None:
    password_page = st.Page(
        "app_pages/password.py",
        title=t("accounts.admin.nav.password", lang),
        icon=":material/password:",
        url_path="password",
        default=must_change,
    )
    staff = [password_page] if must_change else [*staff, password_page]

account_box(user, lang, login_page)
sections = {} if must_change else {t("nav.section.public", lang): public}
if staff:
    sections[t("nav.section.staff", lang)] = staff
# An unexpected error in a page becomes a plain message with a reference, never a traceback.
# expanded: every page listed, never Streamlit's English "View 4 more" button.
try:
    run_page(st.navigation(sections, expanded=True).run)
finally:
    # Once someone is signed in, the tables' libraries load in the background (ui/warmup.py),
    # after this run's page: public visitors never load them.
    if user is not None:
        warm_up_staff_pages()
