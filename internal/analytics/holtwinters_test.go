package analytics

import (
	"math"
	"testing"
)

// seasonal is the yearly pattern of the series below: it sums to 60, not 0, which the
// initialisation must handle too.
var seasonal = []float64{-30, -20, -5, 0, 10, 25, 40, 35, 15, 0, -10, 0}

func perfect(n int) []float64 {
	y := make([]float64, n)
	for t := range y {
		y[t] = 1000 + 7*float64(t) + seasonal[t%12]
	}
	return y
}

func TestHoltWintersForecastsAPerfectSeriesExactly(t *testing.T) {
	for _, n := range []int{24, 31, 36} {
		y := perfect(n + 18)
		fit := fitSeries(y[:n], 12)
		if fit.Model != ModelHoltWinters {
			t.Fatalf("n=%d: model %s, want Holt-Winters", n, fit.Model)
		}
		if !fit.HasSigma || fit.Sigma > 1e-9 {
			t.Errorf("n=%d: sigma %g (%v), want 0", n, fit.Sigma, fit.HasSigma)
		}
		for h := 1; h <= 18; h++ {
			if got, want := fit.Forecast(h), y[n-1+h]; math.Abs(got-want) > 1e-6 {
				t.Errorf("n=%d h=%d: %g, want %g", n, h, got, want)
			}
		}
	}
}

func TestHoltWintersFollowsTheSeasonThroughNoise(t *testing.T) {
	// The perfect series with noise of period 5 (−6, −3, 0, 3, 6; not a part of the yearly
	// season): the forecast stays near the truth, while a line through it would miss the season by
	// up to 40.
	y := perfect(48)
	for i := range y[:36] {
		y[i] += float64(i%5-2) * 3
	}
	fit := fitSeries(y[:36], 12)
	for h := 1; h <= 12; h++ {
		if got, want := fit.Forecast(h), y[35+h]; math.Abs(got-want) > 12 {
			t.Errorf("h=%d: %g, want %g ± 12", h, got, want)
		}
	}
	if !fit.HasSigma || fit.Sigma < 1 || fit.Sigma > 12 {
		t.Errorf("sigma %g, want the noise's order (≈ 4–8)", fit.Sigma)
	}
}

func TestHoltWintersAdaptsToALevelShift(t *testing.T) {
	// Two years of the perfect series, then a year 300 higher: the smoothing constants chosen must
	// let the level follow (with α = β = γ = 0 the forecast would stay 300 too low). The jump also
	// reads as some trend for a while, hence within half the shift rather than exact.
	y := perfect(48)
	for i := 24; i < 48; i++ {
		y[i] += 300
	}
	fit := fitSeries(y[:36], 12)
	if fit.Alpha < 0.1 || fit.Beta < 0.1 || fit.Gamma < 0.1 {
		t.Errorf("constants %g %g %g: not chosen from the grid", fit.Alpha, fit.Beta, fit.Gamma)
	}
	for h := 1; h <= 12; h++ {
		if got, want := fit.Forecast(h), y[35+h]; math.Abs(got-want) > 150 {
			t.Errorf("h=%d: %g, want %g ± 150", h, got, want)
		}
	}
}

func TestTrendBelowTwoSeasons(t *testing.T) {
	// 23 months of a line: the trend model, exact, with no one-step error.
	y := make([]float64, 30)
	for i := range y {
		y[i] = 500 - 12.5*float64(i)
	}
	fit := fitSeries(y[:23], 12)
	if fit.Model != ModelTrend {
		t.Fatalf("model %s, want trend", fit.Model)
	}
	for h := 1; h <= 7; h++ {
		if got := fit.Forecast(h); math.Abs(got-y[22+h]) > 1e-9 {
			t.Errorf("h=%d: %g, want %g", h, got, y[22+h])
		}
	}
	if !fit.HasSigma || fit.Sigma > 1e-9 {
		t.Errorf("sigma %g, want 0", fit.Sigma)
	}
}

func TestTrendByHand(t *testing.T) {
	// y = 1, 3, 2: the line through it has slope Σ(t−1)(y−2)/Σ(t−1)² = (1 + 0 + 0)/2 = 0.5 and
	// passes (1, 2), so the next value is 2 + 0.5 × 2 = 3. The one one-step-ahead error: the line
	// through 1, 3 forecasts 5 at t = 2, and 2 came: error −3, sigma 3.
	fit := fitSeries([]float64{1, 3, 2}, 12)
	if got := fit.Forecast(1); math.Abs(got-3) > 1e-12 {
		t.Errorf("forecast %g, want 3", got)
	}
	if got := fit.Forecast(4); math.Abs(got-4.5) > 1e-12 {
		t.Errorf("forecast h=4 %g, want 4.5", got)
	}
	if !fit.HasSigma || math.Abs(fit.Sigma-3) > 1e-12 {
		t.Errorf("sigma %g, want 3", fit.Sigma)
	}
	// One value: flat, no error known; none: 0.
	one := fitSeries([]float64{42}, 12)
	if one.Forecast(3) != 42 || one.HasSigma {
		t.Errorf("one value: %g, sigma known %v", one.Forecast(3), one.HasSigma)
	}
	if none := fitSeries(nil, 12); none.Forecast(1) != 0 || none.Model != ModelNone {
		t.Errorf("no history: %g %s", none.Forecast(1), none.Model)
	}
}

func TestHoltWintersDoesNotCarryAJumpOnAsGrowth(t *testing.T) {
	// Two years of a flat series with a yearly season, and a go-live at month 18 lifting it by 300
	// for good. Fitted on the next step's errors alone, the model read the jump as growth and
	// carried it on: its forecasts overshot by 120–130 from the second month on. Fitted on the
	// errors 1 to 6 steps ahead, it stays within a third of the jump.
	y := make([]float64, 36)
	for t := range y {
		y[t] = 1000 + seasonal[t%12]
		if t >= 18 {
			y[t] += 300
		}
	}
	fit := fitSeries(y[:24], 12)
	for h := 1; h <= 6; h++ {
		if got, want := fit.Forecast(h), y[23+h]; math.Abs(got-want) > 100 {
			t.Errorf("h=%d: %g, want %g ± 100 (α=%g β=%g γ=%g)", h, got, want, fit.Alpha, fit.Beta, fit.Gamma)
		}
	}
}
