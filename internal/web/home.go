package web

import (
	"log/slog"
	"net/http"

	"github.com/voronka/voronka/internal/crm"
)

type homeData struct {
	User    *crm.User
	Account *crm.Account
}

func (h *Handlers) home(w http.ResponseWriter, r *http.Request, actor *crm.Actor) {
	u, err := h.svc.User(r.Context(), actor, actor.UserID)
	var acc *crm.Account
	if err == nil {
		acc, err = h.svc.Account(r.Context(), actor)
	}
	if err != nil {
		slog.ErrorContext(r.Context(), "home", "err", err)
		http.Error(w, "Internal error", http.StatusInternalServerError)
		return
	}
	lang := acc.Locale
	if c, err := r.Cookie("lang"); err == nil && (c.Value == "ru" || c.Value == "en") {
		lang = c.Value
	}
	h.render(w, r, http.StatusOK, "home", lang, actor, homeData{User: u, Account: acc})
}
