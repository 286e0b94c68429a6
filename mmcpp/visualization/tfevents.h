// TensorBoard event files (`events.out.tfevents.*`), written without TensorFlow:
// the TFRecord framing (length, masked CRC-32C of the length, payload, masked
// CRC-32C of the payload) around hand-encoded protobuf `Event` messages
// (tensorboard/compat/proto/event.proto, summary.proto, tensor.proto): the
// file-version record, scalars (Summary.Value.simple_value), images
// (Summary.Image with a PNG) and text (the `text` plugin's string tensor), as
// torch.utils.tensorboard.SummaryWriter writes them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mmcpp::visualization::tfevents {

// CRC-32C (Castagnoli), as TFRecord uses it.
std::uint32_t crc32c(const std::string& data);
// TFRecord's masking: ((crc >> 15) | (crc << 17)) + 0xa282ead8.
std::uint32_t masked_crc32c(const std::string& data);
// One TFRecord around `payload`.
std::string record(const std::string& payload);

// Serialized Event messages. `step` 0 is omitted, as proto3 does.
std::string file_version_event(double wall_time);
std::string scalar_event(double wall_time, std::int64_t step, const std::string& tag, float value);
std::string image_event(double wall_time, std::int64_t step, const std::string& tag,
                        std::int64_t height, std::int64_t width, std::int64_t channels,
                        const std::string& png);
// SummaryWriter.add_text(tag, text): tag "<tag>/text_summary", plugin "text".
std::string text_event(double wall_time, std::int64_t step, const std::string& tag,
                       const std::string& text);

// "events.out.tfevents.<%010d unix time>.<host>.<pid>.<uid>" (tensorboard's
// EventFileWriter naming).
std::string event_file_name(double wall_time, const std::string& host, long pid, int uid);

}  // namespace mmcpp::visualization::tfevents
