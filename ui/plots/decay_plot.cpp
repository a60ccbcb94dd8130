#include "plots/decay_plot.h"

namespace eigenscope::ui {

DecayPlot::DecayPlot(QWidget* parent) : CurvePlot(tr("Memory decay R(k)"), parent) {}

void DecayPlot::setSource(const PlotSource& source) {
    std::vector<Curve> curves;
    std::vector<Marker> markers;
    setHorizontalLine(source.epsilon);
    const auto add = [&](const AnalysisResult& r, bool reference) {
        for (size_t l = 0; l < r.layers.size(); ++l) {
            if (!source.showsLayer(l)) continue;
            const auto& layer = r.layers[l];
            const auto length = size_t(r.maxLag + 1);
            if (layer.decay.size() < size_t(layer.heads) * length) continue;
            const auto row = [&](int64_t h) { return layer.decay.data() + size_t(h) * length; };
            for (auto& c : layerCurves(source, l, layer.heads, length, row, reference ? source.referenceLabel : source.currentLabel,
                                       reference)) {
                // The horizon: the head's own, or where the median falls below ε.
                int64_t horizon = -1;
                if (c.head >= 0 && layer.metrics.size() > size_t(c.head)) horizon = layer.metrics[size_t(c.head)].horizon;
                for (size_t k = 0; c.head < 0 && k < c.y.size() && horizon < 0; ++k)
                    if (c.y[k] < source.epsilon) horizon = int64_t(k);
                if (!reference && horizon >= 0 && size_t(horizon) < c.y.size())
                    markers.push_back({double(horizon), std::max(c.y[size_t(horizon)], 1e-300), c.colour,
                                       tr("%1: horizon k = %2 (R < %3)").arg(c.name).arg(horizon).arg(source.epsilon)});
                curves.push_back(std::move(c));
            }
        }
    };
    if (source.referenceMatches()) add(*source.reference, true);
    if (source.current) add(*source.current, false);
    replaceCurves(std::move(curves), std::move(markers), tr("lag k"), tr("R(k)"),
                  source.current ? curveLegend(source, *source.current) : std::vector<LegendEntry>{});
}

}  // namespace eigenscope::ui
