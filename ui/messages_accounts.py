"""Message catalogue section: see ui/messages.py (zh and en side by side; no streamlit).

Account management (app_pages/accounts.py), the password page (app_pages/password.py) and
the password rules' reasons (services/passwords.py). The sign-in locks keep their
``accounts.*`` keys in ui/messages.py."""

from __future__ import annotations

from typing import Final

MESSAGES: Final[dict[str, dict[str, str]]] = {
    # Navigation and the forced change (streamlit_app.py, ui/auth.py)
    "accounts.admin.nav.password": {"zh": "修改密码", "en": "Change password"},
    "accounts.admin.must_change": {
        "zh": "您正在使用管理员发放的一次性密码。请先设置您自己的密码，然后才能使用其他功能。",
        "en": "You signed in with a one-time password from an administrator. Choose your own "
        "password before using anything else.",
    },
    # The account management page (app_pages/accounts.py)
    "accounts.admin.title": {"zh": "账号管理", "en": "Accounts"},
    "accounts.admin.intro": {
        "zh": "为组织部管理员、第三方督导和访问员、单位联络员开设账号，分配角色、联络单位和访问员档案，"
        "停用或重新启用账号，重置密码。账号不删除，只停用；每项操作都记入留痕。",
        "en": "Open accounts for the organization department's administrators, the contractor's "
        "supervisors and callers and the units' liaisons; assign roles, a liaison's unit and a "
        "caller's interviewer record; disable or re-enable accounts and reset passwords. Accounts "
        "are disabled, never deleted, and every action is recorded in the audit trail.",
    },
    "accounts.admin.list.header": {"zh": "账号列表", "en": "Accounts"},
    "accounts.admin.list.search": {
        "zh": "查找（用户名、姓名或单位）",
        "en": "Search (username, name or unit)",
    },
    "accounts.admin.list.roles": {"zh": "角色", "en": "Roles"},
    "accounts.admin.list.count": {"zh": "共 {n} 个账号", "en": "{n} account(s)"},
    "accounts.admin.list.none": {
        "zh": "没有符合条件的账号。",
        "en": "No account matches.",
    },
    "accounts.admin.col.username": {"zh": "用户名", "en": "Username"},
    "accounts.admin.col.name": {"zh": "姓名", "en": "Name"},
    "accounts.admin.col.role": {"zh": "角色", "en": "Role"},
    "accounts.admin.col.unit": {"zh": "联络单位", "en": "Unit"},
    "accounts.admin.col.caller": {"zh": "访问员编号", "en": "Interviewer record"},
    "accounts.admin.col.contractor": {"zh": "所属调查公司", "en": "Contractor"},
    "accounts.admin.col.state": {"zh": "状态", "en": "State"},
    "accounts.admin.col.last_sign_in": {
        "zh": "最近登录（北京时间）",
        "en": "Last sign-in (Beijing time)",
    },
    "accounts.admin.state.active": {"zh": "启用", "en": "Active"},
    "accounts.admin.state.disabled": {"zh": "已停用", "en": "Disabled"},
    "accounts.admin.state.must_change": {
        "zh": "启用（待修改一次性密码）",
        "en": "Active (one-time password to change)",
    },
    "accounts.admin.never": {"zh": "从未登录", "en": "Never"},
    # one account: edit, disable/enable, reset
    "accounts.admin.manage.header": {"zh": "管理账号", "en": "Manage an account"},
    "accounts.admin.manage.choose": {"zh": "选择账号", "en": "Account"},
    "accounts.admin.edit.role": {"zh": "角色", "en": "Role"},
    "accounts.admin.edit.name": {"zh": "姓名", "en": "Name"},
    "accounts.admin.edit.unit": {"zh": "联络单位（联络员）", "en": "Unit (liaisons)"},
    "accounts.admin.edit.caller": {
        "zh": "访问员编号（数据包中的 caller_id）",
        "en": "Interviewer record (caller_id in bundles)",
    },
    "accounts.admin.edit.contractor": {"zh": "所属调查公司", "en": "Contractor"},
    "accounts.admin.edit.save": {"zh": "保存修改", "en": "Save changes"},
    "accounts.admin.edit.saved": {"zh": "已保存账号 {name} 的修改。", "en": "Saved the changes to {name}."},
    "accounts.admin.edit.unchanged": {"zh": "没有需要保存的修改。", "en": "Nothing to save."},
    "accounts.admin.disable": {"zh": "停用账号", "en": "Disable account"},
    "accounts.admin.disable.confirm": {
        "zh": "确定停用账号 {name}？停用后该账号立即退出登录，不能再登录；可以随时重新启用。",
        "en": "Disable {name}? It is signed out at once and cannot sign in until it is re-enabled.",
    },
    "accounts.admin.disable.yes": {"zh": "确认停用", "en": "Disable"},
    "accounts.admin.disabled": {"zh": "已停用账号 {name}。", "en": "Disabled {name}."},
    "accounts.admin.enable": {"zh": "重新启用账号", "en": "Re-enable account"},
    "accounts.admin.enable.confirm": {
        "zh": "确定重新启用账号 {name}？它的密码不变。",
        "en": "Re-enable {name}? Its password stays as it was.",
    },
    "accounts.admin.enable.yes": {"zh": "确认启用", "en": "Re-enable"},
    "accounts.admin.enabled": {"zh": "已重新启用账号 {name}。", "en": "Re-enabled {name}."},
    "accounts.admin.reset": {"zh": "重置密码", "en": "Reset password"},
    "accounts.admin.reset.confirm": {
        "zh": "确定为 {name} 重置密码？原密码立即失效，该账号退出登录，下次登录须修改一次性密码。",
        "en": "Reset the password of {name}? The old one stops working at once, the account is "
        "signed out, and it must change the one-time password at its next sign-in.",
    },
    "accounts.admin.reset.yes": {"zh": "确认重置", "en": "Reset"},
    "accounts.admin.reset.done": {
        "zh": "已为 {name} 重置密码。",
        "en": "Reset the password of {name}.",
    },
    "accounts.admin.cancel": {"zh": "取消", "en": "Cancel"},
    "accounts.admin.own_account": {
        "zh": "这是您自己的账号：请在“修改密码”页修改密码；不能停用自己的账号。",
        "en": "This is your own account: change your password on the Change password page; you "
        "cannot disable your own account.",
    },
    # the one-time password, shown once
    "accounts.admin.otp.title": {
        "zh": "账号 {name} 的一次性密码（只显示这一次）：",
        "en": "One-time password of {name} (shown only this once):",
    },
    "accounts.admin.otp.note": {
        "zh": "请当面或通过与账号名不同的渠道（如电话）交给本人，不要与用户名写在一起发送。"
        "本人首次登录后必须改为自己的密码。在本页进行下一步操作后，此密码不再显示。",
        "en": "Hand it over in person or through a channel other than the username's (a phone "
        "call, say); never send the two together. The person must replace it with their own "
        "password at the first sign-in. It disappears with your next action on this page.",
    },
    "accounts.admin.otp.done": {"zh": "我已记下，关闭", "en": "I have noted it; close"},
    # creating an account
    "accounts.admin.create.header": {"zh": "新建账号", "en": "New account"},
    "accounts.admin.create.role": {"zh": "角色", "en": "Role"},
    "accounts.admin.create.username": {
        "zh": "用户名（字母、数字或 . _ @ -，最长 64 个字符）",
        "en": "Username (letters, digits or . _ @ -, at most 64 characters)",
    },
    "accounts.admin.create.name": {"zh": "姓名", "en": "Name"},
    "accounts.admin.create.unit": {"zh": "联络单位", "en": "Unit"},
    "accounts.admin.create.caller": {"zh": "访问员档案", "en": "Interviewer record"},
    "accounts.admin.create.caller.new": {
        "zh": "新建档案（编号同用户名或填写如下）",
        "en": "A new record (code as the username, or as typed below)",
    },
    "accounts.admin.create.caller_code": {
        "zh": "新档案的访问员编号（可空：同用户名）",
        "en": "Code of the new record (empty: the username)",
    },
    "accounts.admin.create.contractor": {"zh": "所属调查公司", "en": "Contractor"},
    "accounts.admin.create.phone": {
        "zh": "访问员本人电话（点击拨号时先呼叫此号，可空）",
        "en": "The caller's own phone, rung first by click-to-call (optional)",
    },
    "accounts.admin.create.submit": {"zh": "创建账号", "en": "Create account"},
    "accounts.admin.create.no_units": {
        "zh": "名录中还没有单位：请先在“评议对象名录”页导入或添加单位，再为联络员开设账号。",
        "en": "The register has no units yet: import or add units on the Unit register page "
        "before opening liaison accounts.",
    },
    "accounts.admin.created": {
        "zh": "已创建账号 {name}。",
        "en": "Created the account {name}.",
    },
    "accounts.admin.locks.header": {"zh": "登录锁定", "en": "Sign-in locks"},
    # The password page (app_pages/password.py)
    "accounts.admin.password.title": {"zh": "修改密码", "en": "Change password"},
    "accounts.admin.password.rules": {
        "zh": "新密码至少 {min} 个字符、最多 {max} 个字符，可以使用空格和汉字；不能包含用户名，"
        "不能是常见密码。不要求大小写或符号组合，较长的一句话更好记也更安全。",
        "en": "The new password needs {min} to {max} characters; spaces and Chinese characters "
        "are welcome. It must not contain your username nor be a common password. No mix of "
        "capitals or symbols is required: a longer phrase is easier to remember and safer.",
    },
    "accounts.admin.password.old": {"zh": "当前密码", "en": "Current password"},
    "accounts.admin.password.new": {"zh": "新密码", "en": "New password"},
    "accounts.admin.password.again": {"zh": "再次输入新密码", "en": "New password again"},
    "accounts.admin.password.submit": {"zh": "修改密码", "en": "Change password"},
    "accounts.admin.password.changed": {
        "zh": "密码已修改。您在其他设备上的登录已退出。",
        "en": "Your password is changed. Your sessions on other devices are signed out.",
    },
    "accounts.admin.password.differ": {
        "zh": "两次输入的新密码不一致。",
        "en": "The two new passwords differ.",
    },
    # why a password is refused (services/passwords.py reason codes)
    "accounts.admin.password.too_short": {
        "zh": "密码至少需要 {min} 个字符。",
        "en": "The password needs at least {min} characters.",
    },
    "accounts.admin.password.too_long": {
        "zh": "密码最多 {max} 个字符。",
        "en": "The password may have at most {max} characters.",
    },
    "accounts.admin.password.has_username": {
        "zh": "密码不能包含用户名。",
        "en": "The password must not contain the username.",
    },
    "accounts.admin.password.common": {
        "zh": "这是常见或已泄露的密码（或其简单变形），很容易被猜中，请换一个。",
        "en": "This is a common or leaked password (or a simple variant of one) and easy to guess; "
        "choose another.",
    },
    "accounts.admin.password.same_as_old": {
        "zh": "新密码不能与当前密码相同。",
        "en": "The new password must differ from the current one.",
    },
    "accounts.admin.password.wrong_old": {
        "zh": "当前密码不正确。",
        "en": "The current password is wrong.",
    },
}
