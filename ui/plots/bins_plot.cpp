#include "plots/bins_plot.h"

#include "plots/clipping.h"

#include <QPainter>

#include <algorithm>
#include <cmath>

namespace eigenscope::ui {

BinsPlot::BinsPlot(QWidget* parent) : PlotWidget(tr("|λ| bins per layer"), parent) {}

void BinsPlot::setSource(const PlotSource& source) {
    source_ = source;
    bars_.clear();
    layers_.clear();
    edges_.clear();
    top_ = 10;
    if (source.current) {
        const auto& r = *source.current;
        edges_ = r.binEdges;
        mode_ = r.mode;
        const size_t nbins = edges_.size() - 1;
        for (size_t l = 0; l < r.layers.size(); ++l)
            if (source.showsLayer(l)) layers_.push_back(int(l));
        const bool withReference = source.referenceMatches();
        const double groupWidth = 0.8, width = groupWidth / double(std::max<size_t>(layers_.size(), 1));
        for (size_t j = 0; j < layers_.size(); ++j) {
            const auto l = size_t(layers_[j]);
            const auto stats = layerBins(r.layers[l], nbins);
            const auto reference = withReference ? layerBins(source.reference->layers[l], nbins) : LayerBins{};
            for (size_t i = 0; i < nbins; ++i) {
                Bar bar;
                bar.layer = int(l);
                bar.bin = i;
                bar.width = width * 0.9;
                bar.centre = double(i) - groupWidth / 2 + width * (double(j) + 0.5);
                bar.mean = stats.mean[i];
                bar.std = stats.std[i];
                if (withReference) {
                    bar.referenceMean = reference.mean[i];
                    bar.referenceStd = reference.std[i];
                    top_ = std::max(top_, bar.referenceMean + bar.referenceStd);
                }
                top_ = std::max(top_, bar.mean + bar.std);
                bars_.push_back(bar);
            }
        }
    }
    top_ = std::min(105.0, top_ * 1.08);
    resetView();
    dataReplaced();
}

void BinsPlot::dataAxes(Axis& x, Axis& y) const {
    x = {-0.5, double(std::max<size_t>(edges_.size(), 2)) - 1.5, false, tr("|λ| bin")};
    y = {0, top_, false, tr("% of eigenvalues")};
}

std::vector<std::pair<double, QString>> BinsPlot::categoryTicks() const {
    std::vector<std::pair<double, QString>> ticks;
    for (size_t i = 0; i + 1 < edges_.size(); ++i) ticks.emplace_back(double(i), QString::fromStdString(binLabel(edges_, i, mode_)));
    return ticks;
}

QRectF BinsPlot::barRect(const Frame& frame, const Bar& bar, double value) const {
    const double left = frame.toPixelX(bar.centre - bar.width / 2), right = frame.toPixelX(bar.centre + bar.width / 2);
    const double top = frame.toPixelY(value), bottom = frame.toPixelY(0);
    return QRectF(QPointF(left, top), QPointF(right, bottom));
}

void BinsPlot::paintData(QPainter& painter, const Frame& frame) const {
    for (const auto& bar : bars_) {
        const QColor colour = categoricalColour(bar.layer);
        clip::fillRect(painter, barRect(frame, bar, bar.mean), colour, frame.rect);
        if (!std::isnan(bar.referenceMean)) {
            painter.setBrush(Qt::NoBrush);
            painter.setPen(QPen(foreground(), 1.4, Qt::DashLine));
            const QRectF r = barRect(frame, bar, bar.referenceMean).normalized();
            clip::drawPolyline(painter, QPolygonF{r.bottomLeft(), r.topLeft(), r.topRight(), r.bottomRight(), r.bottomLeft()},
                               frame.rect);
        }
        if (bar.std > 0) {
            const double x = frame.toPixelX(bar.centre);
            const double lo = frame.toPixelY(std::max(0.0, bar.mean - bar.std)), hi = frame.toPixelY(bar.mean + bar.std);
            const double cap = std::min(6.0, 0.25 * (frame.toPixelX(bar.width) - frame.toPixelX(0)));
            painter.setPen(QPen(colour.darker(170), 1.2));
            clip::drawLine(painter, QPointF(x, lo), QPointF(x, hi), frame.rect);
            clip::drawLine(painter, QPointF(x - cap, lo), QPointF(x + cap, lo), frame.rect);
            clip::drawLine(painter, QPointF(x - cap, hi), QPointF(x + cap, hi), frame.rect);
        }
    }
}

std::vector<LegendEntry> BinsPlot::legend() const {
    std::vector<LegendEntry> entries;
    for (int l : layers_) entries.push_back({tr("layer %1 (%2)").arg(l).arg(source_.currentLabel), categoricalColour(l)});
    if (!bars_.empty() && !std::isnan(bars_.front().referenceMean))
        entries.push_back({source_.referenceLabel + tr(" (outline)"), foreground(), true});
    return entries;
}

QString BinsPlot::hoverText(const Frame& frame, QPointF pixel) const {
    for (const auto& bar : bars_) {
        const QRectF column = barRect(frame, bar, top_);
        if (pixel.x() < column.left() || pixel.x() > column.right()) continue;
        QString text = tr("layer %1, |λ| in %2\n%3: %4 ± %5 %")
                           .arg(bar.layer).arg(QString::fromStdString(binLabel(edges_, bar.bin, mode_))).arg(source_.currentLabel)
                           .arg(bar.mean, 0, 'f', 2).arg(bar.std, 0, 'f', 2);
        if (!std::isnan(bar.referenceMean))
            text += tr("\n%1: %2 ± %3 %").arg(source_.referenceLabel).arg(bar.referenceMean, 0, 'f', 2).arg(bar.referenceStd, 0, 'f', 2);
        return text;
    }
    return {};
}

}  // namespace eigenscope::ui
