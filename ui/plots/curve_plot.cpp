#include "plots/curve_plot.h"

#include "plots/clipping.h"

#include <QPainter>

#include <algorithm>
#include <cmath>
#include <limits>

namespace eigenscope::ui {

qint64 CurvePlot::pointCount() const {
    qint64 n = 0;
    for (const auto& c : curves_) n += qint64(c.y.size());
    return n;
}

QColor CurvePlot::curveColour(size_t layer, int64_t head, int64_t heads, bool singleLayer) {
    if (singleLayer) return categoricalColour(int(head));
    return categoricalColour(int(layer)).lighter(100 + int(70 * head / std::max<int64_t>(heads, 1)));
}

std::vector<LegendEntry> CurvePlot::curveLegend(const PlotSource& source, const AnalysisResult& result) {
    std::vector<LegendEntry> entries;
    const bool single = source.layer >= 0;
    size_t shown = 0;
    for (size_t l = 0; l < result.layers.size(); ++l) shown += source.showsLayer(l);
    // Many layers: the band's meaning once, above short layer entries.
    const bool compact = shown > 3 && source.heads == PlotSource::Heads::Band;
    if (compact) entries.push_back({QObject::tr("median of each layer's heads, 10–90 % band"), Qt::transparent});
    for (size_t l = 0; l < result.layers.size(); ++l) {
        if (!source.showsLayer(l)) continue;
        const int64_t H = result.layers[l].heads, number = source.layerNumber(l);
        if (compact) {
            entries.push_back({QObject::tr("layer %1").arg(number), curveColour(l, 0, H, false)});
        } else if (source.heads == PlotSource::Heads::Band && H > 1) {
            entries.push_back({QObject::tr("layer %1: median of %2 heads, 10–90 % band").arg(number).arg(H),
                               curveColour(l, 0, H, false)});
        } else if (source.heads == PlotSource::Heads::One) {
            entries.push_back({QObject::tr("layer %1, head %2").arg(number).arg(std::min<int64_t>(source.head, H - 1)),
                               curveColour(l, 0, H, false)});
        } else if (single) {
            for (int64_t h = 0; h < std::min<int64_t>(H, 10); ++h)
                entries.push_back({QObject::tr("head %1").arg(h), curveColour(l, h, H, true)});
        } else {
            entries.push_back({H > 1 ? QObject::tr("layer %1 (heads light→)").arg(number) : QObject::tr("layer %1").arg(number),
                               curveColour(l, 0, H, false)});
        }
    }
    // More than eight layers: the first six and the last, the ones between summarized, so the legend leaves the
    // curves visible.
    const size_t first = compact ? 1 : 0;
    if (entries.size() - first > 8) {
        const size_t hidden = entries.size() - first - 7;
        const LegendEntry last = entries.back();
        entries.resize(first + 6);
        entries.push_back({QObject::tr("⋮ %1 more layers").arg(hidden), Qt::transparent});
        entries.push_back(last);
    }
    if (source.referenceMatches()) entries.push_back({source.referenceLabel, Qt::gray, true});
    return entries;
}

std::vector<CurvePlot::Curve> CurvePlot::layerCurves(const PlotSource& source, size_t layer, int64_t heads,
                                                     size_t length, const std::function<const double*(int64_t)>& row,
                                                     const QString& label, bool reference) {
    std::vector<Curve> out;
    const auto single = [&](int64_t h) {
        Curve c;
        c.name = tr("%1: layer %2, head %3").arg(label).arg(source.layerNumber(layer)).arg(h);
        c.colour = curveColour(layer, h, heads, source.layer >= 0 && source.heads == PlotSource::Heads::All);
        c.dashed = reference;
        c.head = int(h);
        c.y.assign(row(h), row(h) + length);
        return c;
    };
    if (heads < 1) return out;
    if (source.heads == PlotSource::Heads::One) {
        out.push_back(single(std::clamp<int64_t>(source.head, 0, heads - 1)));
    } else if (source.heads == PlotSource::Heads::All || heads == 1) {
        for (int64_t h = 0; h < heads; ++h) out.push_back(single(h));
    } else {
        // Per lag, the heads' median and 10 and 90 % quantiles (linear interpolation) over their finite values.
        Curve c;
        c.name = tr("%1: layer %2, median of %3 heads").arg(label).arg(source.layerNumber(layer)).arg(heads);
        c.colour = curveColour(layer, 0, heads, false);
        c.dashed = reference;
        std::vector<double> values;
        const auto quantile = [&](double q) {
            const double at = q * double(values.size() - 1);
            const size_t i = size_t(at);
            return i + 1 < values.size() ? values[i] + (at - double(i)) * (values[i + 1] - values[i]) : values[i];
        };
        for (size_t k = 0; k < length; ++k) {
            values.clear();
            for (int64_t h = 0; h < heads; ++h)
                if (std::isfinite(row(h)[k])) values.push_back(row(h)[k]);
            std::sort(values.begin(), values.end());
            const double nan = std::numeric_limits<double>::quiet_NaN();
            c.y.push_back(values.empty() ? nan : quantile(0.5));
            c.lo.push_back(values.empty() ? nan : quantile(0.1));
            c.hi.push_back(values.empty() ? nan : quantile(0.9));
        }
        out.push_back(std::move(c));
    }
    return out;
}

void CurvePlot::replaceCurves(std::vector<Curve> curves, std::vector<Marker> markers, const QString& xLabel,
                              const QString& yLabel, std::vector<LegendEntry> legend) {
    curves_ = std::move(curves);
    markers_ = std::move(markers);
    legend_ = std::move(legend);
    size_t length = 2;
    double lo = std::numeric_limits<double>::infinity(), hi = 0;
    for (const auto& c : curves_) {
        length = std::max(length, c.y.size());
        for (double v : c.y)
            if (v > 0 && std::isfinite(v)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
    }
    if (!(hi > 0)) {
        lo = 1e-3;
        hi = 1;
    }
    lo = std::max(lo, hi * 1e-12);
    if (!std::isnan(horizontalLine_)) lo = std::min(lo, horizontalLine_);
    x_ = {0, double(length - 1), false, xLabel};
    y_ = {lo / 1.5, hi * 1.5, true, yLabel};
    resetView();
    dataReplaced();
}

void CurvePlot::dataAxes(Axis& x, Axis& y) const {
    x = x_;
    y = y_;
}

void CurvePlot::paintData(QPainter& painter, const Frame& frame) const {
    if (!std::isnan(horizontalLine_)) {
        painter.setPen(QPen(QColor(120, 120, 120), 1, Qt::DotLine));
        const double py = frame.toPixelY(horizontalLine_);
        clip::drawLine(painter, QPointF(frame.rect.left(), py), QPointF(frame.rect.right(), py), frame.rect);
    }
    for (const auto& c : curves_) {
        if (c.lo.empty()) continue;
        // The band where both of its edges can be drawn on the log axis: upper edge forward, lower edge back.
        QColor fill = c.colour;
        fill.setAlpha(c.dashed ? 35 : 60);
        QPolygonF upper, lower;
        for (size_t k = 0; k <= c.lo.size(); ++k) {
            const bool shown = k < c.lo.size() && c.lo[k] > 0 && c.hi[k] > 0 && std::isfinite(c.hi[k]);
            if (shown) {
                upper.append(frame.toPixel(double(k), c.hi[k]));
                lower.prepend(frame.toPixel(double(k), c.lo[k]));
            } else if (!upper.isEmpty()) {
                painter.setRenderHint(QPainter::Antialiasing, !onScreen());
                clip::fillPolygon(painter, upper + lower, fill, frame.rect);
                painter.setRenderHint(QPainter::Antialiasing);
                upper.clear();
                lower.clear();
            }
        }
    }
    painter.setBrush(Qt::NoBrush);
    for (const auto& c : curves_) {
        // On screen a cosmetic one-pixel pen: wide antialiased pens cost ~20 ms a repaint on jagged curves.
        QPen pen(c.colour, onScreen() ? 1.0 : 1.6);
        pen.setCosmetic(onScreen());
        if (c.dashed) pen.setStyle(Qt::DashLine);
        painter.setPen(pen);
        QPolygonF run;  // a stretch of positive, finite values; a log axis cannot show the others
        for (size_t k = 0; k <= c.y.size(); ++k) {
            const bool shown = k < c.y.size() && c.y[k] > 0 && std::isfinite(c.y[k]);
            if (shown) run.append(frame.toPixel(double(k), c.y[k]));
            if (!shown && !run.isEmpty()) {
                clip::drawPolyline(painter, run, frame.rect);
                run.clear();
            }
        }
    }
    for (const auto& m : markers_) {
        const double px = frame.toPixelX(m.x);
        painter.setPen(QPen(m.colour, 1, Qt::DashLine));
        clip::drawLine(painter, QPointF(px, frame.rect.top()), QPointF(px, frame.rect.bottom()), frame.rect);
        const QPointF centre = frame.toPixel(m.x, m.y);
        if (!frame.rect.adjusted(4, 4, -4, -4).contains(centre)) continue;
        painter.setPen(QPen(m.colour.darker(130), 1));
        painter.setBrush(m.colour);
        painter.drawEllipse(centre, 4, 4);
    }
}

QString CurvePlot::hoverText(const Frame& frame, QPointF pixel) const {
    const auto k = size_t(std::max(0.0, std::round(frame.toDataX(pixel.x()))));
    const Curve* nearest = nullptr;
    double best = 12.0;
    for (const auto& c : curves_) {
        if (k >= c.y.size() || !(c.y[k] > 0)) continue;
        const double d = std::abs(frame.toPixelY(c.y[k]) - pixel.y());
        if (d < best) {
            best = d;
            nearest = &c;
        }
    }
    for (const auto& m : markers_)
        if (std::abs(frame.toPixelX(m.x) - pixel.x()) < 4) return m.text;
    if (!nearest) return {};
    return tr("%1\nk = %2: %3").arg(nearest->name).arg(k).arg(nearest->y[k], 0, 'g', 5);
}

}  // namespace eigenscope::ui
