// The paper's |λ| bins: per layer the percentage of eigenvalues in each bin (mean ± std over the batch), with
// the reference (init model or pinned result) as outlined bars.
#pragma once

#include "plots/plot_source.h"
#include "plots/plot_widget.h"

#include <limits>

namespace eigenscope::ui {

class BinsPlot : public PlotWidget {
    Q_OBJECT
public:
    explicit BinsPlot(QWidget* parent = nullptr);
    void setSource(const PlotSource& source);
    qint64 pointCount() const override { return qint64(bars_.size()); }
    // The bins as the result's mode delimits them.
    std::vector<std::pair<double, QString>> categoryTicks() const override;

protected:
    void dataAxes(Axis& x, Axis& y) const override;
    void paintData(QPainter& painter, const Frame& frame) const override;
    std::vector<LegendEntry> legend() const override;
    QString hoverText(const Frame& frame, QPointF pixel) const override;
    bool hasData() const override { return !bars_.empty(); }

private:
    struct Bar {
        int layer = 0;
        size_t bin = 0;
        double centre = 0, width = 0;
        double mean = 0, std = 0;
        double referenceMean = std::numeric_limits<double>::quiet_NaN(), referenceStd = 0;
    };
    QRectF barRect(const Frame& frame, const Bar& bar, double value) const;

    PlotSource source_;
    std::vector<double> edges_;
    std::string mode_;  // paper mode's bins are closed intervals
    std::vector<Bar> bars_;
    std::vector<int> layers_;
    double top_ = 100;
};

}  // namespace eigenscope::ui
