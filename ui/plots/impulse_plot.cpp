#include "plots/impulse_plot.h"

#include "plots/clipping.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace eigenscope::ui {

ImpulsePlot::ImpulsePlot(QWidget* parent) : CurvePlot(tr("Impulse response ‖Φ(s+k, s)‖"), parent) {}

void ImpulsePlot::setSource(const PlotSource& source) {
    source_ = source;
    std::vector<Curve> curves;
    const auto add = [&](const AnalysisResult& r, bool reference) {
        if (r.impulseSources.empty()) return;
        const auto S = r.impulseSources.size(), length = size_t(r.maxLag + 1);
        const QString label = (reference ? source.referenceLabel : source.currentLabel) +
                              tr(" (s = %1)").arg(r.impulseSources.front());
        for (size_t l = 0; l < r.layers.size(); ++l) {
            if (!source.showsLayer(l)) continue;
            const auto& layer = r.layers[l];
            if (layer.impulse.size() < size_t(layer.heads) * S * length) continue;
            const auto row = [&](int64_t h) { return layer.impulse.data() + size_t(h) * S * length; };  // source 0
            for (auto& c : layerCurves(source, l, layer.heads, length, row, label, reference)) curves.push_back(std::move(c));
        }
    };
    // A reference from another source step s is a different curve, not a comparison: it is named, not drawn.
    const bool sameSource = source.current && source.reference &&
                            source.reference->impulseSources == source.current->impulseSources;
    if (source.referenceMatches() && sameSource) add(*source.reference, true);
    if (source.current) add(*source.current, false);
    buildMap();
    updateTitle();
    const QString s = source.current && !source.current->impulseSources.empty()
                          ? QString::number(source.current->impulseSources.front()) : QStringLiteral("s");
    auto legend = source.current ? curveLegend(source, *source.current) : std::vector<LegendEntry>{};
    if (source.referenceMatches() && !sameSource) {
        const auto& other = source.reference->impulseSources;
        legend.back() = {tr("%1: from s = %2, not drawn").arg(source.referenceLabel,
                                                               other.empty() ? tr("none") : QString::number(other.front())),
                         Qt::gray, true};
    }
    replaceCurves(std::move(curves), {}, tr("lag k (from s = %1)").arg(s), tr("‖Φ(s+k, s)‖"), std::move(legend));
}

void ImpulsePlot::setMapMode(bool map) {
    mapMode_ = map;
    updateTitle();
    resetView();
}

void ImpulsePlot::updateTitle() {
    setTitle(mapMode_ ? tr("Impulse map ‖Φ(t, s)‖: layer %1, head %2, sample 0")
                            .arg(source_.layerNumber(source_.shownLayerPosition()))
                            .arg(source_.head)
                      : tr("Impulse response ‖Φ(s+k, s)‖"));
}

void ImpulsePlot::buildMap() {
    map_ = QImage();
    mapValues_.clear();
    mapSize_ = 0;
    if (!source_.current || source_.current->layers.empty()) return;
    const size_t l = source_.shownLayerPosition();
    if (l >= source_.current->layers.size()) return;
    const auto& layer = source_.current->layers[l];
    const int64_t T = source_.current->seqLen, h = std::min<int64_t>(source_.head, layer.heads - 1);
    if (h < 0 || layer.impulseMap.size() != size_t(layer.heads * T * T)) return;
    mapSize_ = T;
    mapValues_.assign(layer.impulseMap.begin() + ptrdiff_t(h * T * T), layer.impulseMap.begin() + ptrdiff_t((h + 1) * T * T));
    double lo = std::numeric_limits<double>::infinity(), hi = -lo;
    for (double v : mapValues_)
        if (v > 0 && std::isfinite(v)) {
            lo = std::min(lo, std::log10(v));
            hi = std::max(hi, std::log10(v));
        }
    if (!(hi >= lo)) return;
    mapLo_ = std::max(lo, hi - 12);
    mapHi_ = hi > mapLo_ ? hi : mapLo_ + 1;
    map_ = QImage(int(T), int(T), QImage::Format_ARGB32);
    map_.fill(Qt::transparent);  // above the diagonal: the background
    for (int64_t t = 0; t < T; ++t) {
        auto* row = reinterpret_cast<QRgb*>(map_.scanLine(int(T - 1 - t)));  // t grows upwards
        for (int64_t s = 0; s <= t; ++s) {
            const double v = mapValues_[size_t(t * T + s)];
            if (v > 0 && std::isfinite(v))
                row[s] = sequentialColour((std::log10(v) - mapLo_) / (mapHi_ - mapLo_)).rgb();
        }
    }
}

bool ImpulsePlot::hasData() const { return mapMode_ ? !map_.isNull() : CurvePlot::hasData(); }

QString ImpulsePlot::emptyText() const {
    return mapMode_ ? tr("no T×T map (turn on \"T×T map\")") : tr("no impulse response");
}

void ImpulsePlot::dataAxes(Axis& x, Axis& y) const {
    if (!mapMode_) {
        CurvePlot::dataAxes(x, y);
        return;
    }
    x = {0, double(mapSize_), false, tr("source step s")};
    y = {0, double(mapSize_), false, tr("step t")};
}

void ImpulsePlot::paintData(QPainter& painter, const Frame& frame) const {
    if (!mapMode_) {
        CurvePlot::paintData(painter, frame);
        return;
    }
    const QRectF target(frame.toPixel(0, double(mapSize_)), frame.toPixel(double(mapSize_), 0));
    clip::drawImage(painter, target, map_, frame.rect);
    paintColourBar(painter, frame, mapLo_, mapHi_, true, tr("‖Φ(t, s)‖"));
}

std::vector<LegendEntry> ImpulsePlot::legend() const {
    // The map's layer and head are in its title; a legend would cover the diagonal.
    return mapMode_ ? std::vector<LegendEntry>{} : CurvePlot::legend();
}

QString ImpulsePlot::hoverText(const Frame& frame, QPointF pixel) const {
    if (!mapMode_) {
        // Along a curve, lag k is step s + k of the input: its token, for a text input.
        const QString text = CurvePlot::hoverText(frame, pixel);
        const auto* current = source_.current.get();
        if (text.isEmpty() || !current || current->tokens.empty() || current->impulseSources.empty()) return text;
        const int64_t s = current->impulseSources.front(), t = s + int64_t(std::lround(frame.toDataX(pixel.x())));
        const QString token = tokenAt(current, t);
        return token.isEmpty() ? text : text + tr("\nt = %1%2, from s = %3%4").arg(t).arg(token).arg(s).arg(tokenAt(current, s));
    }
    const auto s = int64_t(frame.toDataX(pixel.x())), t = int64_t(frame.toDataY(pixel.y()));
    if (s < 0 || t < 0 || s >= mapSize_ || t >= mapSize_) return {};
    if (s > t) return tr("t = %1 < s = %2: not causal").arg(t).arg(s);
    return tr("‖Φ(%1, %2)‖ = %3\nt%4, s%5")
        .arg(t).arg(s).arg(mapValues_[size_t(t * mapSize_ + s)], 0, 'g', 5)
        .arg(tokenAt(source_.current.get(), t)).arg(tokenAt(source_.current.get(), s));
}

}  // namespace eigenscope::ui
