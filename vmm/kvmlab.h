/*
 * kvmlab.h - the index of kvmlab, as xv6's defs.h is: every layer's header in
 * dependency order, then every cross-file function, grouped by file.
 *
 * Every .c file includes this one header.  The types and the contract of each
 * function are in the layer's own header; read them in this order:
 *
 *   vmm/abi.h                 the guest ABI (the C side of docs/guest-abi.md)
 *   vmm/core/core.h           exit codes, payloads, /dev/kvm, the host, guest memory, ends, exit dispatch, log
 *   vmm/report/report.h       the JSON writer, every command's document and text, the lists, disassembly
 *   vmm/measure/measure.h     counters, KVM stats, samples, statistics, calibration, bench, sensitive, iobench, trace, ktrace
 *   vmm/mem/mem.h             memory slots, backings, hotplug, page walk, dirty logging, pre-copy, translate
 *   traps/traps.h             the port and MMIO buses, one handler per KVM_EXIT_* reason
 *   vmm/vhost/vhost.h         the vhost-user protocol: messages, the socket, kvmlab's front-end session
 *   traps/devices/devices.h   device models: guest protocol, UART, virtio, vhost-user blk, sink, bench targets, memctl
 *   vmm/core/vm.h             struct vm, vcpu and run (they embed every layer above), modes, watchdog, smp
 *   vmm/migrate/migrate.h     the migration stream, snapshot/restore, live pre-copy, receive
 *   vmm/security/security.h   the seccomp allowlist per thread
 *   vmm/cli/cli.h             the option table, option values, usage errors, shared setup, subcommands
 *
 * vmm/x86.h (architectural constants) is included only by the files that need it.
 *
 * The functions each file exports, by layer (the contract of each is beside its
 * declaration in the layer header):
 *
 *   vmm/core/
 *     cpuid.c           cpuid_apply cpuid_config_add cpuid_parse_override
 *                       cpuid_reg_name cpuid_unheld
 *     cpulist.c         cpulist_contains cpulist_parse
 *     end.c             end_at_insn end_by_guest end_exit_code end_flags end_name
 *                       end_ok end_silent end_vcpu_only xc_summary
 *     exit.c            exit_dispatch_traced exit_lookup exit_reason_name exit_table (exit_dispatch: vm.h, inline)
 *     expect.c          expect_lookup expect_warn_cpuid_cpl3 expect_when_holds
 *                       (the rows: expect.def)
 *     facts.c           facts_find facts_probe facts_set_bool facts_set_int
 *                       facts_set_str facts_set_unknown facts_value_text
 *     facts_cpuid.c     facts_cpuid_set
 *     facts_hv.c        facts_hypervisors
 *     facts_platform.c  facts_platform
 *     guestmem.c        gmem_change_begin gmem_change_end gmem_discard gmem_hold
 *                       gmem_init gmem_ptr gmem_read gmem_release gmem_resident
 *                       gmem_write
 *     host.c            host_probe
 *     kvm.c             kvm_close kvm_has kvm_open
 *     log.c             die vlog warnx_
 *     machine.c         machine_msr_filter machine_path_name machine_rows
 *                       machine_setup machine_teardown machine_when_name
 *     modes.c           mode_of_sregs mode_setup
 *     payload.c         mode_name payload_check_fit payload_default_mem payload_dir
 *                       payload_free payload_load payload_parse payload_resolve
 *     run.c             run_payload run_ready run_teardown run_zalloc
 *     setup.c           setup_clock setup_record setup_total_ns
 *     smp.c             smp_check_fit smp_check_pins smp_report_text smp_run
 *                       smp_teardown smp_vcpu_at
 *     tss.c             tss_setup
 *     vcpu.c            vcpu_add_report vcpu_create vcpu_destroy vcpu_end
 *                       vcpu_insn_at vcpu_rip vcpu_run vcpu_step_done
 *     vm.c              vm_create vm_destroy vm_load
 *     watchdog.c        watchdog_arm watchdog_catch_stop watchdog_disarm
 *                       watchdog_stop_sig (the flag; vm.h reads it inline)
 *   vmm/report/
 *     bench_report.c    bench_report_csv bench_report_json bench_report_table
 *     disasm.c          disasm_load disasm_one sregs_bits
 *     envelope.c        json_envelope
 *     exits_json.c      json_exits json_exits_capture
 *     facts_json.c      expect_json expect_json_resolved facts_json
 *     hosttext.c        hosttext_fput hosttext_utf8_len
 *     info_report.c     info_report_json info_report_sandbox info_report_text
 *     io_report.c       iodev_json iodev_text
 *     iobench_report.c  iob_report_json iob_report_text
 *     json.c            json_arr json_arr_end json_bool json_bool_or_null
 *                       json_double json_double_or_null json_hex json_hex_or_null
 *                       json_i64 json_i64_or_null json_key json_null json_obj
 *                       json_obj_end json_raw json_str json_str_n json_str_or_null
 *                       json_text json_u64 json_u64_or_null
 *     list_json.c       list_json_begin list_json_end list_json_entry
 *     lists.c           cap_print machine_print opt_print_table xc_print
 *     memlab_report.c   memlab_fault_mechanism memlab_json memlab_text
 *     migrate_report.c  mig_live_json mig_live_text
 *     ktrace_report.c   ktrace_report_json ktrace_report_text
 *     report_json.c     json_host report_json report_kind_name
 *     report_text.c     report_text
 *     sensitive_report.c sens_report_json sens_report_text
 *     smp_json.c        smp_json
 *     trace_json.c      trace_json_begin trace_json_end trace_json_step
 *   vmm/measure/
 *     bench_derive.c    bench_derive bench_net bench_where_name
 *     bench_run.c       bench_result_free bench_run_case bench_status_name
 *     bench_spread.c    bench_spread_absolute bench_spread_cycles
 *                       bench_spread_reason
 *     calibrate.c       calibrate
 *     counters.c        counters_access counters_access_key counters_exit_slow
 *                       counters_free counters_settle hist_bucket
 *     facts_guest.c     facts_guest
 *     iobench.c         iob_bytes_per_s iob_free iob_path_bytes iob_path_find iob_per_kib iob_run
 *     iob_backend.c     iob_backend_finish iob_backend_start
 *     ktrace.c          ktrace_add_thread ktrace_clean_stale ktrace_finish
 *                       ktrace_start ktrace_stop
 *     ktrace_join.c     ktrace_join ktrace_result_free
 *     ktrace_reasons.c  ktrace_kind_name ktrace_reason_name (the rows: ktrace_reasons.def)
 *     kvmstats.c        kvmstats_close kvmstats_delta kvmstats_find kvmstats_open
 *                       kvmstats_sample
 *     samples.c         samples_add samples_flush samples_exact samples_free
 *     sensitive.c       exc_name sens_class_name sens_fault_outcome
 *     sensitive_run.c   sens_catalogue_free sens_catalogue_run sens_nop_of
 *                       sens_rows_selected sens_value_text
 *     summary.c         percentile_sorted summary_double summary_u64 summary_u32
 *     trace.c           trace_action trace_attach trace_bp_role trace_finish
 *                       trace_free trace_on_break trace_on_step
 *     trace_print.c     trace_emit trace_record_hit
 *   vmm/mem/
 *     backing.c         backing_map backing_name backing_parse backing_unmap
 *     dirty.c           dirty_bitmap_pages dirty_harvest
 *     memlab.c          memlab_add_slots memlab_create memlab_destroy
 *                       memlab_finish memlab_mark memlab_vcpu_ready
 *     memopts.c         memopts_parse
 *     memregion.c       memregion_add memregion_listen memregion_remove memregion_remove_all memregion_unlisten
 *     memslots.c        memslots_add memslots_by_id memslots_check memslots_find
 *                       memslots_remove
 *     numa.c            numa_bind numa_node_exists numa_where
 *     pagewalk.c        pagewalk pagewalk_level_name
 *     precopy.c         precopy_simulate
 *     translate.c       translate_gva translate_open_host_files
 *   traps/
 *     bus.c             bus_check
 *     coalesced.c       coalesced_active coalesced_drain
 *     debug.c           trap_debug trap_step_lost
 *     dirty_ring_full.c trap_dirty_ring_full
 *     entry_fail.c      entry_failure_name trap_fail_entry
 *     hlt.c             trap_hlt
 *     internal_error.c  internal_suberror_name trap_internal_error trap_unhandled
 *     memholes.c        memholes_unclaimed policy_name policy_parse
 *     mmio.c            mmio_find mmio_register trap_mmio
 *     msr.c             msr_filter_install msr_name trap_rdmsr trap_wrmsr
 *     pio.c             pio_find pio_register trap_io
 *     shutdown.c        trap_shutdown
 *   traps/devices/
 *     benchdev.c        benchdev_doorbell_read benchdev_mmio benchdev_param_io
 *                       benchdev_scratch_io benchdev_setup benchdev_teardown
 *     console.c         console_free console_init console_io console_put
 *     exitport.c        exitport_io
 *     iodev.c           iodev_quiesce iodev_setup iodev_start iodev_stop
 *     ioparam.c         io_param_parse ioparam_io
 *     memctl.c          memctl_io
 *     report.c          report_io report_read
 *     sink.c            sink_mmio
 *     uart16550.c       uart_input_load uart_io uart_read uart_reset uart_take
 *                       uart_write
 *     vhost_blk.c       vhost_blk_log_end vhost_blk_log_start vhost_blk_log_take
 *                       vhost_blk_mem_changed vhost_blk_mig_deferred vhost_blk_mig_resume vhost_blk_mig_start
 *                       vhost_blk_mig_stop vhost_blk_quiesce vhost_blk_setup vhost_blk_teardown
 *     vhost_watch.c     vhost_used_check vhost_watch_start vhost_watch_stop
 *     virtio_balloon.c  balloon_check_fit balloon_held_resident balloon_violation_name
 *                       virtio_free_balloon virtio_init_balloon
 *     virtio_console.c  virtio_console_tx
 *     virtio_mmio.c     io_notify_name io_notify_parse
 *                       virtio_fail virtio_init virtio_init_blk virtio_mmio_io
 *                       virtio_mmio_read virtio_mmio_write virtio_process
 *                       virtio_dirtied
 *     virtqueue.c       virtq_check virtq_err_name virtq_pop virtq_push
 *                       virtq_set_used_flags
 *   vmm/migrate/
 *     balloonstate.c    mig_balloon_check mig_balloon_has mig_balloon_load mig_balloon_save
 *                       mig_balloon_skip
 *     channel.c         mig_accept mig_addr_parse mig_connect mig_limited_read
 *                       mig_listen mig_read_ack mig_set_timeouts
 *     devstate.c        mig_virtio_check mig_virtio_drain mig_virtio_load mig_virtio_save
 *                       mig_virtio_track mig_virtio_resume
 *     irqstate.c        mig_ioapic_check mig_irq_load mig_irq_save mig_irqchip_check
 *                       mig_irq_vcpus_loaded
 *     pause.c           mig_cond_wait_ms mig_pause_destroy mig_pause_init mig_pause_join
 *                       mig_pause_kick mig_pause_leave mig_pause_lose mig_pause_point
 *                       mig_pause_release mig_pause_stop mig_pause_wait_stop
 *     postcopy.c        mig_postcopy_run
 *     precopy_live.c    mig_live_finish mig_live_setup
 *     ram.c             mig_ram_checksum mig_write_bitmap mig_write_layout mig_write_pages
 *                       mig_write_ram mig_write_rom
 *     receive.c         mig_receive_run
 *     restore.c         mig_restore mig_restore_file
 *     snapshot.c        mig_snapshot_hook
 *     state.c           mig_check_savable mig_complete_io mig_cpuid_compatible mig_save
 *                       mig_vcpu_get mig_vcpu_set mig_write_state
 *     stream.c          mig_buf_read mig_fail mig_fd_read mig_image_free mig_image_holds
 *                       mig_read_begin mig_read_postcopy mig_read_rest mig_write_header
 *                       mig_write_raw mig_write_section
 *     uffd.c            mig_uffd_finish mig_uffd_register mig_uffd_start
 *     vhostmig.c        mig_vhost_harvest mig_vhost_load mig_vhost_log_end mig_vhost_log_start
 *                       mig_vhost_postcopy_done mig_vhost_resume mig_vhost_stop
 *   vmm/vhost/
 *     vhost_front.c     vhost_front_close vhost_front_connect vhost_front_log
 *                       vhost_front_recv_reply vhost_front_set_mem_table vhost_front_start
 *                       vhost_front_stop
 *     vhost_msg.c       vhu_msg_init vhu_payload_size vhu_reply_parse vhu_request_name
 *                       vhu_request_parse
 *     vhost_sock.c      vhu_recv vhu_send
 *   vmm/security/
 *     sandbox.c         sandbox_enter sandbox_enter_io sandbox_enter_main
 *                       sandbox_gate_arm sandbox_rule_at sandbox_rule_text
 *                       sandbox_rule_why sandbox_thread_syscalls sandbox_threads
 *   vmm/cli/
 *     cmd_bench.c       cmd_bench
 *     cmd_domxml.c      cmd_domxml domxml_load
 *     cmd_info.c        cmd_info
 *     cmd_iobench.c     cmd_iobench
 *     cmd_list.c        cmd_list
 *     cmd_receive.c     cmd_receive
 *     cmd_restore.c     cmd_restore
 *     cmd_run.c         cmd_run
 *     cmd_sensitive.c   cmd_sensitive
 *     cmd_trace.c       cmd_trace
 *     cmdsetup.c        cli_catch_stop cli_defaults cli_interrupted cli_open_kvm
 *                       cli_payload cli_report_run cli_run cli_run_finish cli_run_stream
 *     commands.c        command_help commands command_count
 *     domxml.c          domxml_parse domxml_write
 *     manpage.c         manpage_write
 *     opt_table.c       opt_table opt_count
 *     options.c         opt_arg_name opt_for opt_help opt_parse opt_synopsis
 *     parse.c           parse_mem parse_seconds parse_size parse_u64 usage_fail
 */
#ifndef KVMLAB_H
#define KVMLAB_H

#include <signal.h>

#include "vmm/abi.h"
#include "vmm/core/core.h"
#include "vmm/report/report.h"
#include "vmm/measure/measure.h"
#include "vmm/mem/mem.h"
#include "traps/traps.h"
#include "vmm/vhost/vhost.h"
#include "traps/devices/devices.h"
#include "vmm/core/vm.h"
#include "vmm/migrate/migrate.h"
#include "vmm/security/security.h"
#include "vmm/cli/cli.h"

#endif
