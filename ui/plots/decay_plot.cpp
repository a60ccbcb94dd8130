#include "plots/decay_plot.h"

namespace eigenscope::ui {

DecayPlot::DecayPlot(QWidget* parent) : CurvePlot(tr("Memory decay R(k)"), parent) {}

void DecayPlot::setSource(const PlotSource& source) {
    std::vector<Curve> curves;
    std::vector<Marker> markers;
    setHorizontalLine(source.epsilon);
    const auto add = [&](const AnalysisResult& r, bool reference) {
        const bool single = source.layer >= 0;
        for (size_t l = 0; l < r.layers.size(); ++l) {
            if (!source.showsLayer(l)) continue;
            const auto& layer = r.layers[l];
            const auto length = size_t(r.maxLag + 1);
            for (int64_t h = 0; h < layer.heads; ++h) {
                if (layer.decay.size() < size_t(h + 1) * length) continue;
                Curve c;
                c.name = tr("%1: layer %2, head %3").arg(reference ? source.referenceLabel : source.currentLabel).arg(l).arg(h);
                c.colour = curveColour(l, h, layer.heads, single);
                c.dashed = reference;
                c.y.assign(layer.decay.begin() + ptrdiff_t(size_t(h) * length), layer.decay.begin() + ptrdiff_t(size_t(h + 1) * length));
                const int64_t horizon = layer.metrics.size() > size_t(h) ? layer.metrics[size_t(h)].horizon : -1;
                if (!reference && horizon >= 0 && size_t(horizon) < c.y.size())
                    markers.push_back({double(horizon), std::max(c.y[size_t(horizon)], 1e-300), c.colour,
                                       tr("layer %1, head %2: horizon k = %3 (R < %4)").arg(l).arg(h).arg(horizon).arg(source.epsilon)});
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
