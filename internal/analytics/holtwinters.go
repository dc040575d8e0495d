package analytics

import "math"

// The series models of the sales forecast (forecast.go), in plain Go: a monthly series is
// forecast by Holt-Winters with additive trend and season when it holds at least two whole
// seasons, else by a linear trend. Both report the standard deviation of their one-step-ahead
// errors, from which the forecast's interval is drawn.

// Model names a fitted series model.
const (
	ModelHoltWinters = "holt_winters" // additive level, trend and season
	ModelTrend       = "trend"        // least-squares line
	ModelNone        = "none"         // no history: the forecast is 0
)

// seriesFit is a model fitted to a series y[0..n).
type seriesFit struct {
	Model              string
	Alpha, Beta, Gamma float64 // Holt-Winters smoothing; 0 for the trend
	// Sigma is the standard deviation of the one-step-ahead errors; HasSigma is false when the
	// series is too short to have any.
	Sigma    float64
	HasSigma bool
	forecast func(h int) float64
}

// Forecast returns the forecast h ≥ 1 steps after the series' last value.
func (f *seriesFit) Forecast(h int) float64 { return f.forecast(h) }

// fitSeries fits y: Holt-Winters with the season (12 for months) when y holds at least two whole
// seasons, else a linear trend.
func fitSeries(y []float64, season int) *seriesFit {
	if season >= 2 && len(y) >= 2*season {
		return fitHoltWinters(y, season)
	}
	return fitTrend(y)
}

// fitTrend fits the least-squares line through (t, y[t]). Its one-step-ahead errors are those of
// the line fitted on y[:t] forecasting y[t], for t ≥ 2. One value gives a flat line; none gives 0.
func fitTrend(y []float64) *seriesFit {
	if len(y) == 0 {
		return &seriesFit{Model: ModelNone, forecast: func(int) float64 { return 0 }}
	}
	a, b := line(y)
	n := len(y)
	fit := &seriesFit{Model: ModelTrend, forecast: func(h int) float64 { return a + b*float64(n-1+h) }}
	var sse float64
	var k int
	for t := 2; t < n; t++ {
		pa, pb := line(y[:t])
		e := y[t] - (pa + pb*float64(t))
		sse += e * e
		k++
	}
	if k > 0 {
		fit.Sigma, fit.HasSigma = math.Sqrt(sse/float64(k)), true
	}
	return fit
}

// line returns the intercept and slope of the least-squares line through (t, y[t]); a flat line
// through a single value.
func line(y []float64) (a, b float64) {
	n := float64(len(y))
	if len(y) == 1 {
		return y[0], 0
	}
	var st, sy, stt, sty float64
	for t, v := range y {
		ft := float64(t)
		st += ft
		sy += v
		stt += ft * ft
		sty += ft * v
	}
	b = (n*sty - st*sy) / (n*stt - st*st)
	a = (sy - b*st) / n
	return a, b
}

// hwGrid are the smoothing constants tried; the ones with the least squared one-step-ahead error win
// (the first of equals, so that a series fitted exactly keeps the smoothest).
var hwGrid = []float64{0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9}

// hwHorizon is the horizon of the fitting criterion: the forecast is read months ahead (the report
// shows 6 by default, the backtest 6), so the constants are chosen for the errors 1 to 6 steps
// ahead, not the next step's alone — which rewards following every turn of the trend and then
// carrying it on for months (a go-live's jump read as growth that never stops).
const hwHorizon = 6

// fitHoltWinters fits additive Holt-Winters with season m to y (len(y) ≥ 2m), choosing α, β, γ on
// hwGrid by the least mean, over the horizons 1 to hwHorizon, of the
// in-sample squared errors of the forecasts made from each step of y[m:] (Hyndman's "amse").
func fitHoltWinters(y []float64, m int) *seriesFit {
	best := -1.0 // none yet
	var ba, bb, bg float64
	for _, a := range hwGrid {
		for _, b := range hwGrid {
			for _, g := range hwGrid {
				if s := runHoltWinters(y, m, a, b, g).amse; best < 0 || s < best-1e-9*math.Max(1, best) {
					best, ba, bb, bg = s, a, b, g
				}
			}
		}
	}
	r := runHoltWinters(y, m, ba, bb, bg)
	n := len(y)
	return &seriesFit{Model: ModelHoltWinters, Alpha: ba, Beta: bb, Gamma: bg,
		Sigma: math.Sqrt(r.sse / float64(n-m)), HasSigma: true,
		forecast: func(h int) float64 { return r.level + float64(h)*r.trend + r.season[n-m+(h-1)%m] }}
}

type hwRun struct {
	sse          float64 // of the one-step-ahead errors
	amse         float64 // the mean over h = 1…hwHorizon of the mean squared h-step-ahead error
	level, trend float64
	season       []float64 // season[t] for every t < n: the first m from the initialisation
}

// runHoltWinters smooths y with the constants. The initial state is exact for a series that is a
// line plus a repeating season: the trend is the mean change from the first season to the second
// divided by m; the level at the end of the first season is the first season's mean moved along
// the trend to that point; each seasonal term is the first season's value less that line.
// Smoothing then runs from t = m, each step's one-step-ahead error adding to sse.
func runHoltWinters(y []float64, m int, alpha, beta, gamma float64) hwRun {
	var mean1, mean2 float64
	for i := range m {
		mean1 += y[i]
		mean2 += y[m+i]
	}
	mean1 /= float64(m)
	mean2 /= float64(m)
	trend := (mean2 - mean1) / float64(m)
	mid := float64(m-1) / 2
	level := mean1 + trend*mid
	season := make([]float64, len(y))
	for i := range m {
		season[i] = y[i] - (mean1 + trend*(float64(i)-mid))
	}
	var sse float64
	var hse [hwHorizon]float64 // squared h-step-ahead errors, and how many, by h
	var hn [hwHorizon]int
	for t := m; t < len(y); t++ {
		for h := 1; h <= hwHorizon && t+h-1 < len(y); h++ {
			e := y[t+h-1] - (level + float64(h)*trend + season[t-m+(h-1)%m])
			hse[h-1] += e * e
			hn[h-1]++
		}
		e := y[t] - (level + trend + season[t-m])
		sse += e * e
		prev := level
		level = alpha*(y[t]-season[t-m]) + (1-alpha)*(level+trend)
		trend = beta*(level-prev) + (1-beta)*trend
		season[t] = gamma*(y[t]-level) + (1-gamma)*season[t-m]
	}
	var amse float64
	var hs int
	for h := range hwHorizon {
		if hn[h] > 0 {
			amse += hse[h] / float64(hn[h])
			hs++
		}
	}
	if hs > 0 {
		amse /= float64(hs)
	}
	return hwRun{sse: sse, amse: amse, level: level, trend: trend, season: season}
}
