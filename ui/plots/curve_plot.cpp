#include "plots/curve_plot.h"

#include "plots/clipping.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

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
    for (size_t l = 0; l < result.layers.size(); ++l) {
        if (!source.showsLayer(l)) continue;
        const int64_t H = result.layers[l].heads;
        if (single) {
            for (int64_t h = 0; h < std::min<int64_t>(H, 10); ++h)
                entries.push_back({QObject::tr("head %1").arg(h), curveColour(l, h, H, true)});
        } else {
            entries.push_back({H > 1 ? QObject::tr("layer %1 (heads light→)").arg(l) : QObject::tr("layer %1").arg(l),
                               curveColour(l, 0, H, false)});
        }
    }
    if (source.referenceMatches()) entries.push_back({source.referenceLabel, Qt::gray, true});
    return entries;
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
    painter.setBrush(Qt::NoBrush);
    for (const auto& c : curves_) {
        QPen pen(c.colour, 1.6);
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
