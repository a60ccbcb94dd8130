#include "export/figure_export.h"

#include "eigenscope/error.h"
#include "plots/plot_widget.h"

#include <QFileInfo>
#include <QFontDatabase>
#include <QImage>
#include <QPageSize>
#include <QPainter>
#include <QPdfWriter>
#include <QSaveFile>
#include <QSvgGenerator>

#include <algorithm>

namespace eigenscope::ui {

namespace {

QSize gridSize(size_t count, QSize cell, int columns) {
    const int used = std::min<int>(columns, int(count)), rows = int((count + size_t(columns) - 1) / size_t(columns));
    return {cell.width() * used, cell.height() * rows};
}

void paintGrid(QPainter& painter, const std::vector<const PlotWidget*>& plots, QSize cell, int columns, QPointF origin = {}) {
    for (size_t i = 0; i < plots.size(); ++i) {
        const int column = int(i % size_t(columns)), row = int(i / size_t(columns));
        plots[i]->render(painter, QRectF(origin.x() + column * cell.width(), origin.y() + row * cell.height(), cell.width(),
                                         cell.height()));
    }
}

void openOrThrow(QSaveFile& file) {
    if (!file.open(QIODevice::WriteOnly))
        throw Error(file.fileName().toStdString() + ": cannot write (" + file.errorString().toStdString() + ")");
}

void commitOrThrow(QSaveFile& file) {
    if (!file.commit()) throw Error(file.fileName().toStdString() + ": cannot write (" + file.errorString().toStdString() + ")");
}

}  // namespace

FigureFormat figureFormat(const QString& path) {
    const QString suffix = QFileInfo(path).suffix().toLower();
    if (suffix == "png") return FigureFormat::Png;
    if (suffix == "svg") return FigureFormat::Svg;
    if (suffix == "pdf") return FigureFormat::Pdf;
    throw Error(path.toStdString() + ": unknown figure format \"" + suffix.toStdString() + "\" (use .png, .svg or .pdf)");
}

void exportFigure(const std::vector<const PlotWidget*>& plots, const QString& path, int dpi, QSize cellSize, int columns) {
    if (plots.empty()) throw Error(path.toStdString() + ": no plot to export");
    if (dpi < 36 || dpi > 1200) throw Error(path.toStdString() + ": DPI " + std::to_string(dpi) + " is outside [36, 1200]");
    if (columns < 1) throw Error(path.toStdString() + ": a figure needs at least one column");
    const FigureFormat format = figureFormat(path);
    const QSize logical = gridSize(plots.size(), cellSize, columns);
    QSaveFile file(path);
    openOrThrow(file);
    if (format == FigureFormat::Png) {
        const double scale = dpi / 96.0;
        QImage image(QSize(int(logical.width() * scale), int(logical.height() * scale)), QImage::Format_ARGB32);
        image.setDotsPerMeterX(int(dpi / 0.0254));
        image.setDotsPerMeterY(int(dpi / 0.0254));
        image.fill(Qt::white);
        {
            QPainter painter(&image);
            painter.scale(scale, scale);
            paintGrid(painter, plots, cellSize, columns);
        }
        if (!image.save(&file, "PNG")) throw Error(path.toStdString() + ": PNG encoding failed");
    } else if (format == FigureFormat::Svg) {
        QSvgGenerator svg;
        svg.setOutputDevice(&file);
        svg.setSize(logical);
        svg.setViewBox(QRect(QPoint(0, 0), logical));
        svg.setResolution(96);
        svg.setTitle(plots.size() == 1 ? plots.front()->title() : QStringLiteral("eigenscope"));
        svg.setDescription(QStringLiteral("eigenscope figure"));
        QPainter painter(&svg);
        paintGrid(painter, plots, cellSize, columns);
    } else {
        QPdfWriter pdf(&file);
        pdf.setCreator(QStringLiteral("eigenscope"));
        pdf.setResolution(600);
        pdf.setPageMargins(QMarginsF(0, 0, 0, 0));
        pdf.setPageSize(QPageSize(QSizeF(logical.width() * 0.75, logical.height() * 0.75), QPageSize::Point));
        QPainter painter(&pdf);
        painter.scale(pdf.width() / double(logical.width()), pdf.height() / double(logical.height()));
        paintGrid(painter, plots, cellSize, columns);
    }
    commitOrThrow(file);
}

void exportReport(const std::vector<const PlotWidget*>& plots, const ReportContent& content, const QString& path) {
    if (figureFormat(path) != FigureFormat::Pdf) throw Error(path.toStdString() + ": a report is a PDF file");
    QSaveFile file(path);
    openOrThrow(file);
    QPdfWriter pdf(&file);
    pdf.setCreator(QStringLiteral("eigenscope"));
    pdf.setTitle(content.title);
    pdf.setResolution(300);
    pdf.setPageSize(QPageSize(QPageSize::A4));
    pdf.setPageOrientation(QPageLayout::Landscape);
    pdf.setPageMargins(QMarginsF(12, 12, 12, 12), QPageLayout::Millimeter);
    QPainter painter(&pdf);
    // Logical page: 1120 px wide, height from the page's aspect ratio.
    const double scale = pdf.width() / 1120.0;
    painter.scale(scale, scale);
    const QSizeF page(1120.0, pdf.height() / scale);
    QFont body = painter.font();
    body.setPixelSize(12);
    QFont heading = body;
    heading.setPixelSize(18);
    heading.setBold(true);

    painter.setFont(heading);
    painter.drawText(QRectF(0, 0, page.width(), 26), Qt::AlignLeft, content.title);
    painter.setFont(body);
    painter.drawText(QRectF(0, 28, page.width(), 40), Qt::AlignLeft | Qt::TextWordWrap, content.summary);
    const QSize cell(int(page.width() / 2), int((page.height() - 72) / 2));
    paintGrid(painter, plots, cell, 2, QPointF(0, 72));

    pdf.newPage();
    painter.setFont(heading);
    painter.drawText(QRectF(0, 0, page.width(), 26), Qt::AlignLeft, QObject::tr("Metrics per layer and head"));
    painter.setFont(body);
    const double rowHeight = 17, columnWidth = page.width() / std::max<qsizetype>(content.metricsHeader.size(), 1);
    double y = 34;
    const auto drawRow = [&](const QStringList& cells, bool bold) {
        if (y + rowHeight > page.height()) {
            pdf.newPage();
            y = 0;
        }
        QFont f = body;
        f.setBold(bold);
        painter.setFont(f);
        for (int c = 0; c < cells.size(); ++c)
            painter.drawText(QRectF(c * columnWidth, y, columnWidth - 4, rowHeight), Qt::AlignLeft | Qt::AlignVCenter, cells[c]);
        y += rowHeight;
    };
    drawRow(content.metricsHeader, true);
    for (const auto& row : content.metricsRows) drawRow(row, false);

    pdf.newPage();
    painter.setFont(heading);
    painter.drawText(QRectF(0, 0, page.width(), 26), Qt::AlignLeft, QObject::tr("Model spec"));
    QFont mono = QFontDatabase::systemFont(QFontDatabase::FixedFont);
    mono.setPixelSize(10);
    painter.setFont(mono);
    y = 34;
    const double lineHeight = 12.5;
    for (const auto& line : content.specJson.split('\n')) {
        if (y + lineHeight > page.height()) {
            pdf.newPage();
            y = 0;
        }
        painter.drawText(QPointF(0, y + 10), line);
        y += lineHeight;
    }
    painter.end();
    commitOrThrow(file);
}

}  // namespace eigenscope::ui
