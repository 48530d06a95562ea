"""Every string the console shows, in English and Vietnamese: key -> (en, vi).

`{name}` placeholders are filled by `t(key, name=...)`; the result is escaped like any other value. Each screen keeps
its strings in its own section below (a new screen adds a section), so screens built side by side do not collide.
"""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {
    # --- layout
    "app.name": ("Complaint console", "Bảng điều khiển khiếu nại"),
    "nav.label": ("Main menu", "Menu chính"),
    "nav.skip": ("Skip to content", "Chuyển đến nội dung"),
    "nav.desk": ("Desk", "Bàn làm việc"),
    "nav.floor": ("Floor", "Sàn giám sát"),
    "nav.customers": ("Customers", "Khách hàng"),
    "nav.reports": ("Reports", "Báo cáo"),
    "nav.deadletters": ("Dead letters", "Thư lỗi"),
    "nav.users": ("Users", "Người dùng"),
    "nav.account": ("My account", "Tài khoản của tôi"),
    "nav.logout": ("Sign out", "Đăng xuất"),
    "lang.label": ("Language", "Ngôn ngữ"),
    "lang.vi": ("Tiếng Việt", "Tiếng Việt"),
    "lang.en": ("English", "English"),
    "who.signed_in_as": ("Signed in as {name}", "Đang đăng nhập: {name}"),
    "role.admin": ("Administrator", "Quản trị viên"),
    "role.supervisor": ("Supervisor", "Giám sát viên"),
    "role.agent": ("Agent", "Nhân viên xử lý"),
    "screen.coming": ("This screen is being built.", "Màn hình này đang được xây dựng."),
    "live.connecting": ("Connecting…", "Đang kết nối…"),
    "live.connected": ("Live", "Trực tiếp"),
    "live.lost": ("Connection lost, reconnecting…", "Mất kết nối, đang kết nối lại…"),
    # --- errors
    "error.title": ("Something went wrong", "Đã có lỗi"),
    "error.forbidden": ("You do not have access to this page.", "Bạn không có quyền truy cập trang này."),
    "error.not_found": ("This page does not exist.", "Trang này không tồn tại."),
    "error.method": ("This page cannot be used that way.", "Không thể dùng trang này theo cách đó."),
    "error.csrf": (
        "This form has expired or did not come from the console. Reload the page and try again.",
        "Biểu mẫu đã hết hạn hoặc không đến từ bảng điều khiển. Hãy tải lại trang và thử lại.",
    ),
    "error.invalid": ("Some fields are not valid.", "Một số trường không hợp lệ."),
    "error.internal": (
        "An unexpected error happened; it was logged.",
        "Đã xảy ra lỗi không mong muốn; lỗi đã được ghi lại.",
    ),
    "error.back": ("Back to the start page", "Về trang đầu"),
    "service.gateway": ("The gateway", "Cổng tích hợp"),
    "service.case_service": ("The case service", "Dịch vụ hồ sơ khiếu nại"),
    "service.router_service": ("The routing service", "Dịch vụ phân công"),
    "service_error.unreachable": ("{service} does not answer right now.", "{service} hiện không phản hồi."),
    "service_error.timeout": ("{service} took too long to answer.", "{service} phản hồi quá lâu."),
    "service_error.refused": ("{service} refused: {detail}", "{service} từ chối: {detail}"),
    "service_error.invalid": (
        "{service} gave an answer the console cannot read.",
        "{service} trả lời ở dạng bảng điều khiển không đọc được.",
    ),
    "service_error.not_configured": (
        "The console cannot call the services: CONSOLE_API_KEY is not set.",
        "Bảng điều khiển không gọi được các dịch vụ: chưa đặt CONSOLE_API_KEY.",
    ),
    # --- login
    "login.title": ("Sign in", "Đăng nhập"),
    "login.username": ("Username", "Tên đăng nhập"),
    "login.password": ("Password", "Mật khẩu"),
    "login.submit": ("Sign in", "Đăng nhập"),
    "login.refused": ("Wrong username or password.", "Sai tên đăng nhập hoặc mật khẩu."),
    "login.throttled": (
        "Too many attempts. Try again in {minutes} min.",
        "Quá nhiều lần thử. Hãy thử lại sau {minutes} phút.",
    ),
    "login.signed_out": ("You have signed out.", "Bạn đã đăng xuất."),
    # --- account
    "account.title": ("My account", "Tài khoản của tôi"),
    "account.details": ("{role} · team {team}", "{role} · nhóm {team}"),
    "account.no_team": ("no team", "chưa có nhóm"),
    "password.title": ("Change password", "Đổi mật khẩu"),
    "password.current": ("Current password", "Mật khẩu hiện tại"),
    "password.new": ("New password", "Mật khẩu mới"),
    "password.confirm": ("Repeat the new password", "Nhập lại mật khẩu mới"),
    "password.hint": (
        "At least 10 characters, not containing your username.",
        "Ít nhất 10 ký tự, không chứa tên đăng nhập.",
    ),
    "password.submit": ("Change password", "Đổi mật khẩu"),
    "password.changed": (
        "Your password was changed; your other sessions were signed out.",
        "Đã đổi mật khẩu; các phiên đăng nhập khác của bạn đã bị đăng xuất.",
    ),
    "password.current_wrong": ("The current password is not right.", "Mật khẩu hiện tại không đúng."),
    "password.mismatch": ("The two new passwords differ.", "Hai mật khẩu mới không khớp nhau."),
    "password.too_short": ("The password needs at least 10 characters.", "Mật khẩu cần ít nhất 10 ký tự."),
    "password.too_long": ("The password may have at most 256 characters.", "Mật khẩu chỉ được tối đa 256 ký tự."),
    "password.has_username": (
        "The password must not contain the username.",
        "Mật khẩu không được chứa tên đăng nhập.",
    ),
    "password.too_simple": ("The password is too simple.", "Mật khẩu quá đơn giản."),
    # --- users (admin)
    "users.title": ("Users", "Người dùng"),
    "users.new": ("New user", "Thêm người dùng"),
    "users.username": ("Username", "Tên đăng nhập"),
    "users.display_name": ("Display name", "Tên hiển thị"),
    "users.role": ("Role", "Vai trò"),
    "users.language": ("Language", "Ngôn ngữ"),
    "users.team": ("Team", "Nhóm"),
    "users.agent_id": ("Router agent id", "Mã nhân viên phân công"),
    "users.agent_id_hint": (
        "Required for agents: the agent this user works as in routing.",
        "Bắt buộc với nhân viên xử lý: mã nhân viên mà người này dùng khi được phân công.",
    ),
    "users.status": ("Status", "Trạng thái"),
    "users.actions": ("Actions", "Thao tác"),
    "users.active": ("Active", "Đang hoạt động"),
    "users.disabled": ("Disabled", "Đã khoá"),
    "users.disable": ("Disable", "Khoá"),
    "users.enable": ("Enable", "Mở khoá"),
    "users.reset": ("Reset password", "Đặt lại mật khẩu"),
    "users.create": ("Create user", "Tạo người dùng"),
    "users.cancel": ("Cancel", "Huỷ"),
    "users.created": ("User {username} was created.", "Đã tạo người dùng {username}."),
    "users.password_once": (
        "The password of {username}, shown only this once: hand it over in person.",
        "Mật khẩu của {username}, chỉ hiển thị một lần này: hãy trao tận tay.",
    ),
    "users.reset_done": (
        "The password of {username} was reset and their sessions were signed out.",
        "Đã đặt lại mật khẩu của {username} và đăng xuất mọi phiên của người này.",
    ),
    "users.disabled_done": ("{username} was disabled and signed out.", "Đã khoá {username} và đăng xuất mọi phiên."),
    "users.enabled_done": ("{username} can sign in again.", "{username} có thể đăng nhập lại."),
    "users.confirm_reset": ("Reset the password of {username}?", "Đặt lại mật khẩu của {username}?"),
    "users.confirm_disable": ("Disable {username}?", "Khoá {username}?"),
    "users.back": ("Back to the users", "Quay lại danh sách người dùng"),
    "user.username_invalid": (
        "Username: up to 64 letters (without accents), digits, dots, dashes or underscores.",
        "Tên đăng nhập: tối đa 64 chữ cái không dấu, chữ số, dấu chấm, gạch ngang hoặc gạch dưới.",
    ),
    "user.display_name_invalid": (
        "A display name is needed (at most 200 characters).",
        "Cần có tên hiển thị (tối đa 200 ký tự).",
    ),
    "user.role_invalid": ("Choose a role.", "Hãy chọn vai trò."),
    "user.language_invalid": ("Choose Vietnamese or English.", "Hãy chọn tiếng Việt hoặc tiếng Anh."),
    "user.team_invalid": ("A team name has at most 100 characters.", "Tên nhóm tối đa 100 ký tự."),
    "user.agent_id_required": ("An agent needs a router agent id.", "Nhân viên xử lý cần có mã nhân viên phân công."),
    "user.agent_id_only_for_agents": (
        "Only agents have a router agent id.",
        "Chỉ nhân viên xử lý mới có mã nhân viên phân công.",
    ),
    "user.agent_id_invalid": ("A router agent id has at most 200 characters.", "Mã nhân viên tối đa 200 ký tự."),
    "user.username_taken": ("This username is already taken.", "Tên đăng nhập này đã được dùng."),
    "user.cannot_disable_self": ("You cannot disable your own account.", "Bạn không thể tự khoá tài khoản của mình."),
    "user.cannot_disable_last_admin": (
        "The last active administrator cannot be disabled.",
        "Không thể khoá quản trị viên cuối cùng còn hoạt động.",
    ),
    "user.not_found": ("There is no such user.", "Không có người dùng này."),
    # --- desk (the agent's screen)
    "desk.title": ("My desk", "Bàn làm việc của tôi"),
    "desk.acting_as": ("You work as agent {agent_id}.", "Bạn làm việc với mã nhân viên {agent_id}."),
    "desk.placeholder": (
        "Offers and your cases will appear here.",
        "Các ca được giao cho bạn và ca của bạn sẽ hiện ở đây.",
    ),
    # --- floor (the supervisor's screen)
    "floor.title": ("Floor", "Sàn giám sát"),
    "floor.placeholder": (
        "Queues, agents and cases at risk of their SLA will appear here.",
        "Hàng đợi, nhân viên và các ca có nguy cơ trễ hạn sẽ hiện ở đây.",
    ),
    # --- customers
    "customers.title": ("Customers", "Khách hàng"),
    "customers.placeholder": (
        "Search customers by name or address, see their history, merge duplicates.",
        "Tìm khách hàng theo tên hoặc địa chỉ liên hệ, xem lịch sử, gộp hồ sơ trùng.",
    ),
    # --- reports
    "reports.title": ("Reports", "Báo cáo"),
    "reports.placeholder": (
        "Volumes, response times, SLA attainment and satisfaction over a chosen period.",
        "Số lượng, thời gian phản hồi, tỉ lệ đạt SLA và mức hài lòng theo khoảng thời gian.",
    ),
    # --- dead letters
    "deadletters.title": ("Dead letters", "Thư lỗi"),
    "deadletters.placeholder": (
        "Messages the platform could not process: inspect and replay them.",
        "Các tin nhắn hệ thống không xử lý được: xem và xử lý lại.",
    ),
}
