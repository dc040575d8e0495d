package api

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"
	"github.com/voronka/voronka/internal/crm"
)

// ChannelOut is a marketing channel (lead source).
type ChannelOut struct {
	ID      int64  `json:"id" example:"2"`
	Name    string `json:"name" example:"Яндекс.Директ"`
	Active  bool   `json:"active"`
	Version int64  `json:"version"`
}

func channelOut(c *crm.Channel) ChannelOut {
	return ChannelOut{ID: c.ID, Name: c.Name, Active: c.Active, Version: c.Version}
}

func (h *Handlers) registerChannels(a huma.API) {
	huma.Register(a, op("list-channels", http.MethodGet, "/channels", "List marketing channels", "Channels"), func(ctx context.Context, _ *struct{}) (*struct{ Body []ChannelOut }, error) {
		cs, err := h.svc.Channels(ctx, actorOf(ctx))
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		out := make([]ChannelOut, len(cs))
		for i, c := range cs {
			out[i] = channelOut(c)
		}
		return &struct{ Body []ChannelOut }{out}, nil
	})
	o := op("create-channel", http.MethodPost, "/channels", "Add a channel (administrators)", "Channels")
	o.DefaultStatus = http.StatusCreated
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		Body struct {
			Name string `json:"name" maxLength:"200" example:"Яндекс.Директ"`
		}
	}) (*struct{ Body ChannelOut }, error) {
		c, err := h.svc.CreateChannel(ctx, actorOf(ctx), in.Body.Name)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ChannelOut }{channelOut(c)}, nil
	})
	o = op("update-channel", http.MethodPatch, "/channels/{id}", "Rename or deactivate a channel (administrators)", "Channels")
	o.Errors = append(o.Errors, http.StatusConflict)
	huma.Register(a, o, func(ctx context.Context, in *struct {
		ID      int64  `path:"id"`
		IfMatch string `header:"If-Match"`
		Body    struct {
			Name    *string `json:"name,omitempty" maxLength:"200"`
			Active  *bool   `json:"active,omitempty"`
			Version *int64  `json:"version,omitempty"`
		}
	}) (*struct{ Body ChannelOut }, error) {
		version, err := versionOf(in.Body.Version, in.IfMatch)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		c, err := h.svc.UpdateChannel(ctx, actorOf(ctx), in.ID, in.Body.Name, in.Body.Active, version)
		if err != nil {
			return nil, handlerErr(ctx, err)
		}
		return &struct{ Body ChannelOut }{channelOut(c)}, nil
	})
}
