// Impulse responses ‖Φ(s+k, s)‖ per layer and head over the lag k from a chosen source step s, or the T×T map
// ‖Φ(t, s)‖ of one layer and head as a log-scaled image.
#pragma once

#include "plots/curve_plot.h"

#include <QImage>

namespace eigenscope::ui {

class ImpulsePlot : public CurvePlot {
    Q_OBJECT
public:
    explicit ImpulsePlot(QWidget* parent = nullptr);
    void setSource(const PlotSource& source);
    void setMapMode(bool map);
    bool mapMode() const { return mapMode_; }

protected:
    void dataAxes(Axis& x, Axis& y) const override;
    void paintData(QPainter& painter, const Frame& frame) const override;
    std::vector<LegendEntry> legend() const override;
    QString hoverText(const Frame& frame, QPointF pixel) const override;
    bool hasData() const override;
    double rightMargin() const override { return mapMode_ ? 84 : 12; }
    QString emptyText() const override;

private:
    void buildMap();
    void updateTitle();

    PlotSource source_;
    bool mapMode_ = false;
    QImage map_;
    std::vector<double> mapValues_;
    int64_t mapSize_ = 0;
    double mapLo_ = 0, mapHi_ = 0;  // log10 range of the colours
};

}  // namespace eigenscope::ui
