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
    # --- customers' pages (public: complaint form, survey, status page; services/console/public)
    "public.brand": ("Customer care", "Chăm sóc khách hàng"),
    "public.footer": (
        "We answer every complaint. Your details are used only to handle it.",
        "Chúng tôi trả lời mọi phản ánh. Thông tin của bạn chỉ được dùng để xử lý phản ánh.",
    ),
    "public.required": ("(required)", "(bắt buộc)"),
    "public.not_sent": ("Nothing was sent yet:", "Chưa gửi được:"),
    "public.honeypot_label": ("Leave this field empty", "Để trống ô này"),
    "public.sorry": ("Sorry", "Xin lỗi"),
    "public.to_form": ("Send us a new complaint", "Gửi phản ánh mới"),
    "public.files": ("Files (photos, documents)", "Tệp đính kèm (ảnh, tài liệu)"),
    "public.files_hint": (
        "Up to {max_files} files, {max_mb} MB each, {max_total_mb} MB together. Programs are not accepted.",
        "Tối đa {max_files} tệp, mỗi tệp {max_mb} MB, tổng cộng {max_total_mb} MB. Không nhận tệp chương trình.",
    ),
    "public.files_hint_short": (
        "Up to {max_files} files, {max_mb} MB each.",
        "Tối đa {max_files} tệp, mỗi tệp {max_mb} MB.",
    ),
    "public.unreadable": (
        "The form could not be read. Please fill it in again.",
        "Không đọc được biểu mẫu. Vui lòng điền lại.",
    ),
    "public.stale_form": (
        "This form is too old or was not made by this site. Please check your entries and send it again.",
        "Biểu mẫu đã quá cũ hoặc không phải của trang này. Vui lòng kiểm tra lại và gửi lại.",
    ),
    "public.too_fast": (
        "The form was sent within seconds of opening it, as programs do. Please check your entries and send it again.",
        "Biểu mẫu được gửi chỉ vài giây sau khi mở, giống như máy tự động. Vui lòng kiểm tra lại và gửi lại.",
    ),
    "public.honeypot": (
        "The form was refused because a hidden field that only programs fill in had a value. If you are a person, "
        "please send it again without filling in anything else.",
        "Biểu mẫu bị từ chối vì một ô ẩn chỉ máy tự động mới điền đã có nội dung. Nếu bạn không phải máy, "
        "vui lòng gửi lại và không điền thêm gì khác.",
    ),
    "public.limit.address": (
        "This email or phone number has sent {count} complaints in the last {window} minutes, the most we accept. "
        "Please try again in {minutes} min; we are already handling what you sent.",
        "Email hoặc số điện thoại này đã gửi {count} phản ánh trong {window} phút qua, mức tối đa chúng tôi nhận. "
        "Vui lòng thử lại sau {minutes} phút; chúng tôi đang xử lý những gì bạn đã gửi.",
    ),
    "public.limit.client": (
        "Too many complaints came from your network in the last {window} minutes ({count}). "
        "Please try again in {minutes} min.",
        "Có quá nhiều phản ánh từ mạng của bạn trong {window} phút qua ({count}). Vui lòng thử lại sau {minutes} phút.",
    ),
    "public.limit.link": (
        "{count} messages were sent on this page in the last {window} minutes, the most we accept. "
        "Please try again in {minutes} min.",
        "Đã có {count} tin nhắn gửi từ trang này trong {window} phút qua, mức tối đa chúng tôi nhận. "
        "Vui lòng thử lại sau {minutes} phút.",
    ),
    "public.unavailable": (
        "We cannot receive your message right now; nothing was received. Please send it again in a moment "
        "(it will not arrive twice).",
        "Hiện chúng tôi chưa nhận được tin của bạn; chưa có gì được ghi nhận. Vui lòng gửi lại sau ít phút "
        "(tin sẽ không bị gửi trùng).",
    ),
    "public.page_unavailable": (
        "This page cannot be shown right now. Please try again in a moment.",
        "Hiện chưa hiển thị được trang này. Vui lòng thử lại sau ít phút.",
    ),
    "public.sent_before": (
        "This form was already sent with other contents. To send what you wrote now as well, send it again.",
        "Biểu mẫu này đã được gửi với nội dung khác. Để gửi thêm nội dung hiện tại, vui lòng gửi lại.",
    ),
    "public.receipt_unknown": (
        "This page does not belong to a complaint we received.",
        "Trang này không thuộc về phản ánh nào chúng tôi đã nhận.",
    ),
    "public.files.too_many": (
        "At most {max_files} files can be sent at once.",
        "Chỉ gửi được tối đa {max_files} tệp một lần.",
    ),
    "public.files.too_large_together": (
        "The files are larger than {max_total_mb} MB together.",
        "Tổng dung lượng các tệp vượt quá {max_total_mb} MB.",
    ),
    "public.files.no_name": ("A file without a name cannot be sent.", "Không gửi được tệp không có tên."),
    "public.files.too_large": (
        "{name} is larger than {max_mb} MB.",
        "Tệp {name} lớn hơn {max_mb} MB.",
    ),
    "public.files.empty": ("{name} is empty.", "Tệp {name} trống."),
    "public.files.type_refused": (
        "{name} is not a kind of file we accept (photos, PDF, office documents, audio and video are).",
        "Tệp {name} không thuộc loại chúng tôi nhận (nhận ảnh, PDF, tài liệu văn phòng, âm thanh và video).",
    ),
    "public.files.refused_by_service": (
        "A file was refused: {detail}",
        "Một tệp bị từ chối: {detail}",
    ),
    "public.files.body_too_large": (
        "The files chosen are far larger than the {n} MB we accept together. Please choose smaller files.",
        "Các tệp đã chọn lớn hơn nhiều so với mức {n} MB chúng tôi nhận. Vui lòng chọn tệp nhỏ hơn.",
    ),
    "complain.title": ("Send us a complaint", "Gửi phản ánh, khiếu nại"),
    "complain.intro": (
        "Tell us what went wrong. We read every message and will get back to you with a case reference.",
        "Hãy cho chúng tôi biết điều gì chưa ổn. Chúng tôi đọc mọi phản ánh và sẽ phản hồi kèm mã hồ sơ.",
    ),
    "complain.name": ("Your name", "Họ và tên"),
    "complain.contact": ("How can we reach you?", "Chúng tôi liên hệ với bạn bằng cách nào?"),
    "complain.contact_hint": (
        "An email address, a phone number, or both (at least one). We answer by email when you give one.",
        "Email, số điện thoại hoặc cả hai (ít nhất một). Chúng tôi trả lời qua email nếu bạn cung cấp.",
    ),
    "complain.email": ("Email", "Email"),
    "complain.phone": ("Phone", "Số điện thoại"),
    "complain.subject": ("Subject", "Tiêu đề"),
    "complain.text": ("What happened?", "Nội dung phản ánh"),
    "complain.text_hint": (
        "What happened, when, and what you would like us to do.",
        "Chuyện gì đã xảy ra, khi nào, và bạn mong chúng tôi làm gì.",
    ),
    "complain.order": ("Order or reference number", "Mã đơn hàng hoặc mã tham chiếu"),
    "complain.order_hint": (
        "If you have one. A case reference (C-2026-000123) adds this to that case.",
        "Nếu có. Nếu là mã hồ sơ (C-2026-000123), nội dung sẽ được thêm vào hồ sơ đó.",
    ),
    "complain.submit": ("Send", "Gửi phản ánh"),
    "complain.privacy": (
        "By sending, you let us use these details to handle your complaint.",
        "Khi gửi, bạn đồng ý để chúng tôi dùng các thông tin này để xử lý phản ánh.",
    ),
    "complain.error.name": (
        "Please give your name (at most 200 characters).",
        "Vui lòng nhập họ tên (tối đa 200 ký tự).",
    ),
    "complain.error.contact": (
        "Please give an email address or a phone number, so we can answer you.",
        "Vui lòng nhập email hoặc số điện thoại để chúng tôi trả lời bạn.",
    ),
    "complain.error.email": ("This email address does not look right.", "Địa chỉ email này có vẻ chưa đúng."),
    "complain.error.phone": ("This phone number does not look right.", "Số điện thoại này có vẻ chưa đúng."),
    "complain.error.subject": (
        "Please give a subject (at most 200 characters).",
        "Vui lòng nhập tiêu đề (tối đa 200 ký tự).",
    ),
    "complain.error.text": (
        "Please tell us what happened (at most 10,000 characters).",
        "Vui lòng nhập nội dung phản ánh (tối đa 10.000 ký tự).",
    ),
    "complain.error.order": (
        "An order or reference number has at most 100 characters.",
        "Mã đơn hàng hoặc mã tham chiếu tối đa 100 ký tự.",
    ),
    "received.title": ("We received your complaint", "Chúng tôi đã nhận được phản ánh của bạn"),
    "received.safe": (
        "Your complaint is safely received; you do not need to send it again.",
        "Phản ánh của bạn đã được ghi nhận an toàn; bạn không cần gửi lại.",
    ),
    "received.reference_is": ("Your case reference:", "Mã hồ sơ của bạn:"),
    "received.keep_reference": (
        "Please keep it: it helps us find your case quickly when you contact us.",
        "Vui lòng giữ mã này: nó giúp chúng tôi tìm hồ sơ của bạn nhanh hơn khi bạn liên hệ.",
    ),
    "received.follow": ("Follow your case", "Theo dõi hồ sơ"),
    "received.follow_hint": (
        "Keep this page's link: on it you see our answers and can write to us. We also send it to you.",
        "Hãy lưu lại đường dẫn của trang đó: bạn xem được câu trả lời và nhắn thêm cho chúng tôi. "
        "Chúng tôi cũng gửi đường dẫn này cho bạn.",
    ),
    "received.waiting": (
        "Your case reference will appear here in a moment…",
        "Mã hồ sơ của bạn sẽ hiện ở đây trong giây lát…",
    ),
    "received.later": (
        "Your case reference is on its way: you will find it in the confirmation we send you.",
        "Mã hồ sơ đang được tạo: bạn sẽ thấy mã trong tin xác nhận chúng tôi gửi cho bạn.",
    ),
    "received.another": ("Send another complaint", "Gửi phản ánh khác"),
    "status.title": ("Your case {reference}", "Hồ sơ {reference} của bạn"),
    "status.reference": ("Case reference", "Mã hồ sơ"),
    "status.state": ("Status", "Trạng thái"),
    "status.subject": ("Subject", "Tiêu đề"),
    "status.opened": ("Received", "Ngày tiếp nhận"),
    "status.is.new": ("Received", "Đã tiếp nhận"),
    "status.is.open": ("Being handled", "Đang xử lý"),
    "status.is.pending_customer": ("Waiting for your answer", "Đang chờ bạn phản hồi"),
    "status.is.resolved": ("Resolved", "Đã giải quyết"),
    "status.is.closed": ("Closed", "Đã đóng"),
    "status.explain.new": (
        "We have your complaint and will hand it to the right person shortly.",
        "Chúng tôi đã nhận phản ánh và sẽ sớm chuyển cho người phụ trách phù hợp.",
    ),
    "status.explain.open": (
        "Someone from our team is working on your case.",
        "Một nhân viên của chúng tôi đang xử lý hồ sơ của bạn.",
    ),
    "status.explain.pending_customer": (
        "We asked you something: please answer below so we can go on.",
        "Chúng tôi đã hỏi bạn một điều: vui lòng trả lời bên dưới để chúng tôi tiếp tục.",
    ),
    "status.explain.resolved": (
        "We think your case is solved. If it is not, write to us below and we will take it up again.",
        "Chúng tôi cho rằng hồ sơ đã được giải quyết. Nếu chưa, hãy nhắn bên dưới để chúng tôi xử lý tiếp.",
    ),
    "status.explain.closed": (
        "This case is closed.",
        "Hồ sơ này đã đóng.",
    ),
    "status.messages": ("Messages", "Trao đổi"),
    "status.author.customer": ("You", "Bạn"),
    "status.author.us": ("Customer care", "Chăm sóc khách hàng"),
    "status.unnamed_file": ("a file without a name", "tệp không tên"),
    "status.file_unavailable": (
        "This file cannot be opened from here (any more). Reload the page and try again.",
        "Không mở được tệp này từ đây (nữa). Hãy tải lại trang và thử lại.",
    ),
    "status.no_messages": ("No messages yet.", "Chưa có tin nhắn nào."),
    "status.write": ("Write to us", "Nhắn cho chúng tôi"),
    "status.your_message": ("Your message", "Tin nhắn của bạn"),
    "status.send": ("Send", "Gửi"),
    "status.closed": (
        "This case is closed and takes no more messages.",
        "Hồ sơ này đã đóng và không nhận thêm tin nhắn.",
    ),
    "status.error.text": (
        "Please write a message (at most 10,000 characters).",
        "Vui lòng nhập tin nhắn (tối đa 10.000 ký tự).",
    ),
    "status.unknown": (
        "This link does not lead to a case. Please check that it was copied whole.",
        "Đường dẫn này không dẫn tới hồ sơ nào. Vui lòng kiểm tra đường dẫn đã được chép đầy đủ.",
    ),
    "status.expired": (
        "This link has expired. Write to us and we will send you a new one.",
        "Đường dẫn này đã hết hạn. Hãy liên hệ với chúng tôi để nhận đường dẫn mới.",
    ),
    "status.revoked": (
        "This link no longer works. Write to us and we will send you a new one.",
        "Đường dẫn này không còn hiệu lực. Hãy liên hệ với chúng tôi để nhận đường dẫn mới.",
    ),
    "status.sent": ("Your message was added to your case.", "Tin nhắn của bạn đã được thêm vào hồ sơ."),
    "status.sent_waiting": (
        "Your message is received and will appear below in a moment…",
        "Tin nhắn của bạn đã được nhận và sẽ hiện bên dưới trong giây lát…",
    ),
    "status.sent_new_case": (
        "Your message is received. This case was already finished, so it started a new case: {reference}.",
        "Tin nhắn của bạn đã được nhận. Hồ sơ này đã kết thúc nên một hồ sơ mới được mở: {reference}.",
    ),
    "survey.title": ("How did we do?", "Bạn đánh giá thế nào?"),
    "survey.question": (
        "How satisfied are you with our help on case {reference}? 1 = very unhappy, 5 = very happy.",
        "Bạn hài lòng thế nào với cách chúng tôi hỗ trợ hồ sơ {reference}? 1 = rất không hài lòng, 5 = rất hài lòng.",
    ),
    "survey.score.1": ("Very unhappy", "Rất không hài lòng"),
    "survey.score.2": ("Unhappy", "Không hài lòng"),
    "survey.score.3": ("Neutral", "Bình thường"),
    "survey.score.4": ("Happy", "Hài lòng"),
    "survey.score.5": ("Very happy", "Rất hài lòng"),
    "survey.comment": ("Anything you would like to tell us? (optional)", "Bạn muốn góp ý thêm? (không bắt buộc)"),
    "survey.submit": ("Send my answer", "Gửi đánh giá"),
    "survey.thanks": (
        "Thank you for your answer on case {reference}. It helps us serve you better.",
        "Cảm ơn bạn đã đánh giá hồ sơ {reference}. Ý kiến của bạn giúp chúng tôi phục vụ tốt hơn.",
    ),
    "survey.already_answered": (
        "You have already answered this survey for case {reference}. Thank you!",
        "Bạn đã trả lời khảo sát cho hồ sơ {reference} rồi. Xin cảm ơn!",
    ),
    "survey.expired": (
        "This survey for case {reference} has closed. Thank you all the same; you can still write to us any time.",
        "Khảo sát cho hồ sơ {reference} đã kết thúc. Dù vậy xin cảm ơn bạn; "
        "bạn vẫn có thể liên hệ với chúng tôi bất cứ lúc nào.",
    ),
    "survey.unknown": (
        "This survey link does not work. Please check that it was copied whole.",
        "Đường dẫn khảo sát này không dùng được. Vui lòng kiểm tra đường dẫn đã được chép đầy đủ.",
    ),
    "survey.error.score": ("Please choose a score from 1 to 5.", "Vui lòng chọn điểm từ 1 đến 5."),
    "survey.error.comment": (
        "A comment has at most {max} characters.",
        "Góp ý tối đa {max} ký tự.",
    ),
}
