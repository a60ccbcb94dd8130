#include "plots/bins_plot.h"

#include "plots/clipping.h"

#include <QFontMetricsF>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace eigenscope::ui {

namespace {
constexpr double kMixerColumn = -1.0;  // x of the mixer strip; the horizon strip sits right of the last bin

// One colour per mixer type, in the order the model first uses them.
int mixerIndex(const std::vector<std::string>& mixers, const std::string& type) {
    return int(std::find(mixers.begin(), mixers.end(), type) - mixers.begin());
}
}  // namespace

BinsPlot::BinsPlot(QWidget* parent) : PlotWidget(tr("|λ| bins per layer"), parent) {}

void BinsPlot::setSource(const PlotSource& source) {
    source_ = source;
    bars_.clear();
    rows_.clear();
    mostHeads_ = 0;
    edges_.clear();
    top_ = 10;
    if (source.current) {
        const auto& r = *source.current;
        edges_ = r.binEdges;
        mode_ = r.mode;
        const size_t nbins = edges_.size() - 1;
        maxLag_ = std::max<int64_t>(r.maxLag, 1);
        const bool byHeads = source.heads == PlotSource::Heads::All;
        for (size_t l = 0; l < r.layers.size(); ++l)
            if (source.showsLayer(l)) {
                const auto& layer = r.layers[l];
                Row row{int(l), layer.index, layer.mixer, 0, {}};
                for (const auto& m : layer.metrics)
                    row.horizon = (row.horizon < 0 || m.horizon < 0) ? -1 : std::max(row.horizon, m.horizon);
                if (byHeads) {
                    row.headShares.assign(size_t(layer.heads), 0.0);
                    for (int64_t h = 0; h < layer.heads; ++h)
                        for (size_t i = 0; i < nbins; ++i)
                            if (edges_[i] >= 0.9 - 1e-12 && size_t(h) * nbins + i < layer.binsMean.size())
                                row.headShares[size_t(h)] += layer.binsMean[size_t(h) * nbins + i];
                    mostHeads_ = std::max(mostHeads_, layer.heads);
                }
                rows_.push_back(std::move(row));
            }
        shownLayers_ = rows_.size();
        if (source.layer < 0)
            for (int64_t number : r.mixerlessLayers) rows_.push_back(Row{-1, number, kNoMixer, 0, {}});
        std::stable_sort(rows_.begin(), rows_.end(), [](const Row& a, const Row& b) { return a.number < b.number; });
        const bool withReference = source.referenceMatches();
        const double groupWidth = 0.8, width = groupWidth / double(std::max<size_t>(shownLayers_, 1));
        size_t j = 0;
        for (const Row& row : rows_) {
            if (row.position < 0) continue;
            const auto l = size_t(row.position);
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
            ++j;
        }
    }
    const QString title = byHead() ? tr("|λ| ≥ 0.9 per layer and head") : tr("|λ| bins per layer");
    setTitle(mode_ == "paper" ? title + tr(" (paper mode)") : title);
    top_ = std::min(105.0, top_ * 1.08);
    resetView();
    dataReplaced();
}

void BinsPlot::dataAxes(Axis& x, Axis& y) const {
    if (heatMap()) {
        x = {kMixerColumn - 0.5, double(columns()) + 0.5, false, byHead() ? tr("head") : tr("|λ| bin")};
        y = {-0.5, double(rows_.size()) - 0.5, false, tr("layer")};
        return;
    }
    x = {-0.5, double(std::max<size_t>(edges_.size(), 2)) - 1.5, false, tr("|λ| bin")};
    y = {0, top_, false, tr("% of eigenvalues")};
}

std::vector<std::pair<double, QString>> BinsPlot::categoryTicks() const {
    std::vector<std::pair<double, QString>> ticks;
    if (heatMap()) {
        ticks.emplace_back(kMixerColumn, tr("mixer"));
        ticks.emplace_back(double(columns()), tr("horizon"));
    }
    if (byHead()) {
        const auto step = size_t(mostHeads_ + 11) / 12;
        for (size_t h = 0; h < size_t(mostHeads_); h += step) ticks.emplace_back(double(h), QString::number(h));
        return ticks;
    }
    for (size_t i = 0; i + 1 < edges_.size(); ++i) ticks.emplace_back(double(i), QString::fromStdString(binLabel(edges_, i, mode_)));
    return ticks;
}

QRectF BinsPlot::barRect(const Frame& frame, const Bar& bar, double value) const {
    const double left = frame.toPixelX(bar.centre - bar.width / 2), right = frame.toPixelX(bar.centre + bar.width / 2);
    const double top = frame.toPixelY(value), bottom = frame.toPixelY(0);
    return QRectF(QPointF(left, top), QPointF(right, bottom));
}

std::vector<std::pair<double, QString>> BinsPlot::yCategoryTicks() const {
    std::vector<std::pair<double, QString>> ticks;
    if (!heatMap()) return ticks;
    const size_t step = (rows_.size() + 15) / 16;
    for (size_t row = 0; row < rows_.size(); row += step)
        ticks.emplace_back(double(row), QString::number(rows_[row].number));
    return ticks;
}

QRectF BinsPlot::cellRect(const Frame& frame, double column, size_t row) const {
    const double y = double(row);  // the shown layers bottom-up, in order
    return QRectF(QPointF(frame.toPixelX(column - 0.5), frame.toPixelY(y + 0.5)),
                  QPointF(frame.toPixelX(column + 0.5), frame.toPixelY(y - 0.5)));
}

void BinsPlot::paintHeatMap(QPainter& painter, const Frame& frame) const {
    std::vector<std::string> types;
    for (const auto& row : rows_)
        if (row.position >= 0 && std::find(types.begin(), types.end(), row.mixer) == types.end()) types.push_back(row.mixer);
    const auto rowOf = [&](int position) {
        return size_t(std::find_if(rows_.begin(), rows_.end(), [&](const Row& r) { return r.position == position; }) - rows_.begin());
    };
    if (byHead()) {
        for (size_t row = 0; row < rows_.size(); ++row)
            for (size_t h = 0; h < rows_[row].headShares.size(); ++h)
                clip::fillRect(painter, cellRect(frame, double(h), row), sequentialColour(rows_[row].headShares[h] / 100.0), frame.rect);
    } else {
        for (const auto& bar : bars_)
            clip::fillRect(painter, cellRect(frame, double(bar.bin), rowOf(bar.layer)), sequentialColour(bar.mean / 100.0),
                           frame.rect);
    }
    const double lag = std::log1p(double(maxLag_));
    const QFontMetricsF metrics(painter.font());
    const QColor none = palette().color(QPalette::Mid);
    const auto label = [&](const QRectF& cell, const QString& text, const QColor& pen) {
        if (cell.height() < metrics.height() || !frame.rect.contains(cell)) return;
        painter.setPen(pen);
        painter.drawText(cell, Qt::AlignCenter, metrics.elidedText(text, Qt::ElideRight, cell.width() - 4));
    };
    for (size_t row = 0; row < rows_.size(); ++row) {
        const Row& r = rows_[row];
        const QRectF mixer = cellRect(frame, kMixerColumn, row).adjusted(2, 0.5, -2, -0.5).normalized();
        if (r.position < 0) {
            // No sequence mixer: no spectrum, a grey band across the row.
            const QRectF band =
                cellRect(frame, 0, row).united(cellRect(frame, double(columns()), row)).adjusted(2, 0.5, -2, -0.5);
            clip::fillRect(painter, band.normalized(), none.lighter(115), frame.rect);
            label(mixer, tr("no mixer"), Qt::black);
            continue;
        }
        clip::fillRect(painter, mixer, categoricalColour(mixerIndex(types, r.mixer)).lighter(150), frame.rect);
        label(mixer, QString::fromStdString(r.mixer), Qt::black);
        // The horizon: log-scaled up to K_max, brightest beyond it, its value written in when it fits.
        const double fraction = r.horizon < 0 ? 1.0 : std::log1p(double(r.horizon)) / lag;
        const QRectF horizon = cellRect(frame, double(columns()), row).adjusted(2, 0.5, -2, -0.5).normalized();
        const QColor colour = sequentialColour(fraction);
        clip::fillRect(painter, horizon, colour, frame.rect);
        label(horizon, r.horizon < 0 ? QStringLiteral("> %1").arg(maxLag_) : QString::number(r.horizon),
              colour.lightness() > 128 ? Qt::black : Qt::white);
    }
    paintColourBar(painter, frame, 0, 100, false, byHead() ? tr("% of eigenvalues with |λ| ≥ 0.9") : tr("% of eigenvalues"));
}

void BinsPlot::paintData(QPainter& painter, const Frame& frame) const {
    if (heatMap()) {
        paintHeatMap(painter, frame);
        return;
    }
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
    if (heatMap()) {
        return entries;  // the strips name the mixers; a legend would cover cells
    }
    for (const Row& row : rows_)
        if (row.position >= 0)
            entries.push_back({tr("layer %1 (%2)").arg(row.number).arg(source_.currentLabel), categoricalColour(row.position)});
    if (!bars_.empty() && !std::isnan(bars_.front().referenceMean))
        entries.push_back({source_.referenceLabel + tr(" (outline)"), foreground(), true});
    return entries;
}

QString BinsPlot::hoverText(const Frame& frame, QPointF pixel) const {
    if (heatMap()) {
        const double x = frame.toDataX(pixel.x()), y = frame.toDataY(pixel.y());
        const auto row = size_t(std::lround(y));
        if (y < -0.5 || row >= rows_.size()) return {};
        const Row& r = rows_[row];
        if (r.position < 0) return tr("layer %1: no sequence mixer, so no spectrum").arg(r.number);
        const QString layer = tr("layer %1 (%2)").arg(r.number).arg(QString::fromStdString(r.mixer));
        const long column = std::lround(x);
        if (column == long(kMixerColumn)) return layer;
        if (column == long(columns()))
            return r.horizon < 0 ? tr("%1\nlongest horizon beyond K = %2").arg(layer).arg(maxLag_)
                                 : tr("%1\nlongest horizon %2 steps").arg(layer).arg(r.horizon);
        if (byHead()) {
            if (column < 0 || size_t(column) >= r.headShares.size()) return {};
            return tr("%1, head %2\n|λ| ≥ 0.9: %3 % of eigenvalues")
                .arg(layer).arg(column).arg(r.headShares[size_t(column)], 0, 'f', 2);
        }
        for (const auto& bar : bars_)
            if (bar.layer == r.position && long(bar.bin) == column)
                return tr("%1, |λ| in %2\n%3: %4 ± %5 %")
                    .arg(layer, QString::fromStdString(binLabel(edges_, bar.bin, mode_)), source_.currentLabel)
                    .arg(bar.mean, 0, 'f', 2).arg(bar.std, 0, 'f', 2);
        return {};
    }
    for (const auto& bar : bars_) {
        const QRectF column = barRect(frame, bar, top_);
        if (pixel.x() < column.left() || pixel.x() > column.right()) continue;
        QString text = tr("layer %1, |λ| in %2\n%3: %4 ± %5 %")
                           .arg(source_.layerNumber(size_t(bar.layer)))
                           .arg(QString::fromStdString(binLabel(edges_, bar.bin, mode_)))
                           .arg(source_.currentLabel)
                           .arg(bar.mean, 0, 'f', 2).arg(bar.std, 0, 'f', 2);
        if (!std::isnan(bar.referenceMean))
            text += tr("\n%1: %2 ± %3 %").arg(source_.referenceLabel).arg(bar.referenceMean, 0, 'f', 2).arg(bar.referenceStd, 0, 'f', 2);
        return text;
    }
    return {};
}

}  // namespace eigenscope::ui
