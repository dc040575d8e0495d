package web

import (
	"net/http"
	"strings"
)

// messages holds the UI's words in Russian and English, keyed by an English id.
var messages = map[string]map[string]string{
	"title.login":       {"ru": "Вход", "en": "Log in"},
	"login.email":       {"ru": "Эл. почта", "en": "E-mail"},
	"login.password":    {"ru": "Пароль", "en": "Password"},
	"login.account":     {"ru": "Аккаунт (если почта есть в нескольких)", "en": "Account (if the e-mail is in several)"},
	"login.submit":      {"ru": "Войти", "en": "Log in"},
	"login.wrong":       {"ru": "Неверная почта или пароль.", "en": "Wrong e-mail or password."},
	"login.too_many":    {"ru": "Слишком много неудачных попыток. Попробуйте позже.", "en": "Too many failed logins. Try again later."},
	"login.need_acct":   {"ru": "Эта почта есть в нескольких аккаунтах: укажите аккаунт.", "en": "This e-mail is in several accounts: name the account."},
	"login.invalid":     {"ru": "Заполните почту и пароль.", "en": "Fill in the e-mail and password."},
	"logout":            {"ru": "Выйти", "en": "Log out"},
	"home.welcome":      {"ru": "Добро пожаловать", "en": "Welcome"},
	"home.role":         {"ru": "Роль", "en": "Role"},
	"home.account":      {"ru": "Аккаунт", "en": "Account"},
	"home.api":          {"ru": "Документация API", "en": "API documentation"},
	"role.admin":        {"ru": "администратор", "en": "administrator"},
	"role.head":         {"ru": "руководитель отдела продаж", "en": "head of sales"},
	"role.manager":      {"ru": "менеджер", "en": "sales manager"},
	"app.tagline":       {"ru": "CRM, которая доказывает свою окупаемость", "en": "The CRM that proves its own payoff"},
	"error.unavailable": {"ru": "Сервис временно недоступен.", "en": "The service is unavailable."},
}

// translator returns the lookup of lang; unknown keys come back as they are.
func translator(lang string) func(string) string {
	return func(key string) string {
		if m, ok := messages[key]; ok {
			if s, ok := m[lang]; ok {
				return s
			}
		}
		return key
	}
}

// requestLang picks the UI language: the lang cookie, else the browser's preference, else Russian.
func requestLang(r *http.Request) string {
	if c, err := r.Cookie("lang"); err == nil && (c.Value == "ru" || c.Value == "en") {
		return c.Value
	}
	for _, part := range strings.Split(r.Header.Get("Accept-Language"), ",") {
		tag := strings.ToLower(strings.TrimSpace(strings.SplitN(part, ";", 2)[0]))
		switch {
		case strings.HasPrefix(tag, "ru"):
			return "ru"
		case strings.HasPrefix(tag, "en"):
			return "en"
		}
	}
	return "ru"
}
