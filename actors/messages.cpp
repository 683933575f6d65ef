#include "actors/messages.hpp"

#include "actors/cluster_messages.hpp"
#include "actors/delivery_batch.hpp"
#include "actors/disk_record_batch.hpp"
#include "actors/id_batch.hpp"
#include "actors/lookupd_messages.hpp"

#include <caf/actor_system_config.hpp>

namespace nsq {

void add_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<message_data>("nsq_message_data");
  cfg.add_message_type<message_ref>("nsq_message_ref");
  cfg.add_message_type<std::vector<message_ref>>("nsq_message_batch");
  cfg.add_message_type<delivery>("nsq_delivery");
  cfg.add_message_type<delivery_batch>("nsq_delivery_batch"); // one blob on the wire
  cfg.add_message_type<disk_record_batch>("nsq_disk_record_batch");
  cfg.add_message_type<consumer_info>("nsq_consumer_info");
  cfg.add_message_type<tls_details>("nsq_tls_details");
  cfg.add_message_type<client_error>("nsq_client_error");
  cfg.add_message_type<body_batch>("nsq_body_batch");
  cfg.add_message_type<command>("nsq_command");
  cfg.add_message_type<std::vector<command>>("nsq_command_batch");
  cfg.add_message_type<message_id>("nsq_message_id");
  cfg.add_message_type<std::vector<message_id>>("nsq_message_id_batch"); // released
  cfg.add_message_type<id_batch>("nsq_id_batch");                        // FIN: one blob
  // Stats answers (actors/admin_messages.hpp).
  cfg.add_message_type<client_stats>("nsq_client_stats");
  cfg.add_message_type<channel_stats>("nsq_channel_stats");
  cfg.add_message_type<topic_stats>("nsq_topic_stats");
  cfg.add_message_type<std::vector<topic_stats>>("nsq_topic_stats_list"); // statsd
  cfg.add_message_type<std::vector<latency_samples>>("nsq_latency_samples_list");
  add_lookupd_message_types(cfg);
  add_cluster_message_types(cfg);
}

} // namespace nsq
