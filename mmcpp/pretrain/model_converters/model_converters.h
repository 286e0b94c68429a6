// Converting other libraries' checkpoints to MMPretrain's state-dict keys
// (MMPretrain's tools/model_converters/*.py), read with the safe .pth reader and
// written with the .pth writer, so Python's torch.load opens the result.
//
//  - torchvision_to_mmpretrain.py (model 'resnet'): every key gets `backbone.`,
//    except the classifier `fc.*`, which becomes `head.fc.*` (LinearClsHead).
//  - timm's VisionTransformer (vit_*, deit_*, deit3_* layouts), following the
//    rules of MMPretrain's deit3/eva converters: `patch_embed.proj` ->
//    `patch_embed.projection`; `blocks.i` -> `layers.i` with `norm1`/`norm2` ->
//    `ln1`/`ln2`, `mlp.fc1` -> `ffn.layers.0.0`, `mlp.fc2` -> `ffn.layers.1`,
//    layer scale `gamma_1`/`ls1.gamma` -> `attn.gamma1.weight` and
//    `gamma_2`/`ls2.gamma` -> `ffn.gamma2.weight` (attn.qkv/attn.proj keep their
//    names); the final `norm` -> `ln1`, `fc_norm` (average pooling) -> `ln2`,
//    `norm_pre` -> `pre_norm`; everything above under `backbone.` (cls_token,
//    pos_embed, dist_token too); the classifier `head` ->
//    `head.layers.head` (VisionTransformerClsHead), `head_dist` ->
//    `head.layers.head_dist` (DeiTClsHead), `pre_logits.fc` ->
//    `head.layers.pre_logits`. A checkpoint dict with `model` (as timm and DeiT
//    save them) is unwrapped first, as the MMPretrain scripts do.
#pragma once

#include <functional>
#include <string>

#include "mmcpp/io/pth_reader.h"

namespace mmcpp::pretrain::model_converters {

using StateDict = io::NamedTensors;
using ConvertFn = std::function<StateDict(const StateDict&)>;

StateDict convert_torchvision_resnet(const StateDict& src);
StateDict convert_timm_vit(const StateDict& src);

// The weights inside a loaded file: checkpoint['model'] or
// checkpoint['state_dict'] when present, else the file's dict itself. Every
// entry must be a str key and a tensor (TypeError naming `file` and the key).
StateDict weights_of(const io::PyObject& checkpoint, const std::string& file);

struct ConvertResult {
  std::size_t keys = 0;
};

// Reads `src` (the safe reader: a hostile, truncated or corrupt file is an
// mmcpp::Error naming it, and nothing is written), converts its weights and
// saves them to `dst` as an OrderedDict (torch.save's layout), creating `dst`'s
// folder.
ConvertResult convert_checkpoint(const std::string& src, const std::string& dst,
                                 const ConvertFn& convert);

}  // namespace mmcpp::pretrain::model_converters
