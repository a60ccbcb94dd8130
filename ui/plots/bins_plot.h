// The paper's |λ| bins: per layer the percentage of eigenvalues in each bin (mean ± std over the batch), with
// the reference (init model or pinned result) as outlined bars. Above kHeatMapLayers layers, one picture of the
// whole model instead: a layer × bin heat map, each row's mixer type named in a strip on the left and the layer's
// longest memory horizon in a strip on the right; layers without a sequence mixer are grey rows marked "no mixer".
// With every head asked for (PlotSource::Heads::All), the map is layer × head instead, each cell the head's share of
// eigenvalues with |λ| ≥ 0.9 (the memory-keeping bins).
#pragma once

#include "plots/plot_source.h"
#include "plots/plot_widget.h"

#include <limits>

namespace eigenscope::ui {

class BinsPlot : public PlotWidget {
    Q_OBJECT
public:
    static constexpr size_t kHeatMapLayers = 6;
    explicit BinsPlot(QWidget* parent = nullptr);
    void setSource(const PlotSource& source);
    qint64 pointCount() const override { return qint64(bars_.size()); }
    // The bins as the result's mode delimits them.
    std::vector<std::pair<double, QString>> categoryTicks() const override;
    // In the heat map, the shown layers' numbers (at most 16 of them).
    std::vector<std::pair<double, QString>> yCategoryTicks() const override;

protected:
    void dataAxes(Axis& x, Axis& y) const override;
    void paintData(QPainter& painter, const Frame& frame) const override;
    std::vector<LegendEntry> legend() const override;
    QString hoverText(const Frame& frame, QPointF pixel) const override;
    bool hasData() const override { return !bars_.empty(); }
    double rightMargin() const override { return heatMap() ? 84 : 12; }

private:
    struct Bar {
        int layer = 0;
        size_t bin = 0;
        double centre = 0, width = 0;
        double mean = 0, std = 0;
        double referenceMean = std::numeric_limits<double>::quiet_NaN(), referenceStd = 0;
    };
    QRectF barRect(const Frame& frame, const Bar& bar, double value) const;
    bool heatMap() const { return rows_.size() > kHeatMapLayers; }
    bool byHead() const { return heatMap() && mostHeads_ > 0; }
    void paintHeatMap(QPainter& painter, const Frame& frame) const;
    // The row of layer l and the cell (bin i, or kMixerColumn / the horizon column) in data coordinates.
    QRectF cellRect(const Frame& frame, double column, size_t row) const;
    size_t nbins() const { return edges_.size() - 1; }
    size_t columns() const { return byHead() ? size_t(mostHeads_) : nbins(); }  // the horizon strip's column

    PlotSource source_;
    std::vector<double> edges_;
    std::string mode_;  // paper mode's bins are closed intervals
    std::vector<Bar> bars_;
    // The heat map's rows bottom-up in model order: the shown layers and the layers without a mixer among them.
    struct Row {
        int position = -1;  // in the result; −1 for a layer without a mixer
        int64_t number = 0;  // the model's layer number
        std::string mixer;
        int64_t horizon = 0;  // the longest over heads, −1 beyond K_max
        std::vector<double> headShares;  // per head: % with |λ| ≥ 0.9 (layer × head map)
    };
    std::vector<Row> rows_;
    size_t shownLayers_ = 0;  // rows with a spectrum
    int64_t mostHeads_ = 0;
    int64_t maxLag_ = 1;
    double top_ = 100;
};

}  // namespace eigenscope::ui
