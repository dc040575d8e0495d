package web

import (
	"log/slog"
	"net/http"
	"strconv"

	"github.com/voronka/voronka/internal/crm"
)

type loginData struct {
	Email, Account, Error string
	NeedAccount           bool
}

func (h *Handlers) loginForm(w http.ResponseWriter, r *http.Request) {
	if actor, _ := h.auth.SessionActor(r); actor != nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	h.render(w, r, http.StatusOK, "login", requestLang(r), nil, loginData{})
}

// login checks the form, starts a session with a new id and goes home; errors re-render the form.
func (h *Handlers) login(w http.ResponseWriter, r *http.Request) {
	lang := requestLang(r)
	if !h.auth.CheckCSRF(r) {
		http.Error(w, "Forbidden: the form is outdated or was sent from another site (missing CSRF token). Reload the page and try again.", http.StatusForbidden)
		return
	}
	data := loginData{Email: r.PostFormValue("email"), Account: r.PostFormValue("account")}
	u, err := h.auth.Authenticate(r.Context(), r, data.Account, data.Email, r.PostFormValue("password"))
	if err == nil {
		err = h.auth.LogIn(r.Context(), u)
	}
	if err == nil {
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	t, status := translator(lang), http.StatusUnauthorized
	switch crm.ErrorCode(err) {
	case crm.EUNAUTHORIZED:
		data.Error = t("login.wrong")
	case crm.ETOOMANY:
		data.Error, status = t("login.too_many"), http.StatusTooManyRequests
		w.Header().Set("Retry-After", strconv.Itoa(int(err.(*crm.Error).RetryAfter.Seconds()+0.999)))
	case crm.EINVALID:
		status = http.StatusUnprocessableEntity
		data.Error = t("login.invalid")
		for _, f := range err.(*crm.Error).Fields {
			if f.Field == "account" {
				data.Error, data.NeedAccount = t("login.need_acct"), true
			}
		}
	default:
		slog.ErrorContext(r.Context(), "login", "err", err)
		data.Error, status = t("error.unavailable"), http.StatusInternalServerError
	}
	h.render(w, r, status, "login", lang, nil, data)
}

func (h *Handlers) logout(w http.ResponseWriter, r *http.Request) {
	if err := h.auth.LogOut(r.Context()); err != nil {
		slog.ErrorContext(r.Context(), "logout", "err", err)
	}
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}
