package api

import "github.com/voronka/voronka/internal/analytics"

// FilterQuery is the filter of every analytics request (KPIs, their records, reports, the funnel
// and its records): the query parameters that narrow the deals a figure counts. A slice's row
// (by manager, product…) is drilled into with the same parameter. The pipeline is each request's
// own: a filter of the KPIs, the subject of the funnel.
type FilterQuery struct {
	TeamID     int64  `query:"team_id" doc:"Only deals of this team's managers"`
	ManagerID  int64  `query:"manager_id" doc:"Only deals of this manager (a manager's row of a figure by manager)"`
	ChannelID  int64  `query:"channel_id" doc:"Only deals of this channel"`
	Region     string `query:"region" doc:"Only deals of this region"`
	Segment    string `query:"segment" doc:"Only deals of this segment"`
	ProductID  int64  `query:"product_id" doc:"Only deals with this product; money figures count that product's money"`
	Tag        string `query:"tag" doc:"Only deals with this tag"`
	ClientType string `query:"client_type" enum:"new,existing," doc:"Only deals of new or of existing clients"`
}

// filter is the engine's filter of the query, within the pipeline (0: every pipeline).
func (f FilterQuery) filter(pipelineID int64) analytics.Filter {
	return analytics.Filter{PipelineID: pipelineID, TeamID: f.TeamID, ManagerID: f.ManagerID, ChannelID: f.ChannelID,
		Region: f.Region, Segment: f.Segment, ProductID: f.ProductID, Tag: f.Tag, ClientType: f.ClientType}
}
