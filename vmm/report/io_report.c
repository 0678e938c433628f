/*
 * io_report.c - the I/O devices of one run for readers: the "io" object of
 * the run's JSON (docs/json-schema.md, "I/O devices") and the lines of the
 * human summary.  The devices (traps/devices/) keep the state; this file only
 * reads it, after iodev_quiesce has stopped the I/O thread.
 */
#include <pthread.h>

#include "kvmlab.h"
#include "traps/devices/vhost_blk.h"

/* io.blk.vhost_user (docs/json-schema.md): the session kvmlab ran with the back-end. */
static void vhost_json(struct json *j, const struct vhost_blk *vb)
{
	json_obj(j);
	json_key(j, "socket");           json_text(j, vb->front.path);
	json_key(j, "features");         json_hex(j, vb->front.features);
	json_key(j, "protocol_features"); json_hex(j, vb->front.protocol);
	json_key(j, "messages");         json_u64(j, vb->front.messages);
	json_key(j, "regions");          json_u64(j, (uint64_t)vb->regions);
	json_key(j, "mem_tables");       json_u64(j, vb->front.mem_tables);
	json_key(j, "irqfd");            json_bool(j, vb->irqfd);
	json_key(j, "calls_checked");    json_u64(j, vb->calls);
	json_key(j, "kicks_relayed");    json_u64(j, vb->kicks_relayed);
	json_key(j, "hangups");          json_u64(j, vb->hangups);
	json_key(j, "stop_base");        json_u64(j, vb->front.stop_base);
	json_key(j, "stop_error");       json_str(j, vb->stop_error[0] ? vb->stop_error : NULL);
	json_key(j, "log_pages");        json_u64(j, vb->log_pages);     /* migration: pages its dirty log gave */
	json_key(j, "error_detail");     json_str(j, vb->dev && vb->dev->error ? vb->dev->error_detail : NULL);
	json_obj_end(j);
}

/* The counters of traps/devices/ioapic.c (docs/json-schema.md io.ioapic), null unless split. */
static void json_ioapic(struct json *j, const struct vm *vm)
{
	struct ioapic *a = &vm->io->ioapic;

	if (vm->cfg.irqchip != IRQ_SPLIT) {
		json_null(j);
		return;
	}
	pthread_mutex_lock(&a->lock);
	json_obj(j);
	json_key(j, "messages");      json_u64(j, a->messages);
	json_key(j, "pin_messages");
	json_obj(j);
	for (int i = 0; i < IOAPIC_PINS; i++) {
		char pin[12];                   /* a decimal int */
		if (!a->pin_messages[i])
			continue;
		snprintf(pin, sizeof(pin), "%d", i);
		json_key(j, pin); json_u64(j, a->pin_messages[i]);
	}
	json_obj_end(j);
	json_key(j, "eois");          json_u64(j, a->eois);
	json_key(j, "masked");        json_u64(j, a->masked);
	json_key(j, "undeliverable"); json_u64(j, a->undeliverable);
	json_key(j, "ignored");       json_u64(j, a->ignored);
	json_key(j, "send_errors");   json_u64(j, a->send_errors);
	json_key(j, "route_updates"); json_u64(j, a->route_updates);
	json_key(j, "eois_carried");  json_u64(j, a->eois_carried);
	json_obj_end(j);
	pthread_mutex_unlock(&a->lock);
}

/* One of the three resident samples: bytes, or null when not taken. */
static void sample_json(struct json *j, const char *key, int64_t v)
{
	json_key(j, key);
	if (v < 0)
		json_null(j);
	else
		json_u64(j, (uint64_t)v);
}

/* io.balloon: the balloon's targets, what the driver handed over, the resident
 * samples (docs/json-schema.md, "I/O devices"). */
static void balloon_json(struct json *j, const struct virtio_dev *d)
{
	const struct vballoon *b = &d->balloon;
	static const char *const when[3] = { "before", "inflated", "deflated" };

	json_key(j, "balloon");
	json_obj(j);
	json_key(j, "present");        json_bool(j, b->on);
	json_key(j, "status");         json_u64(j, d->status);
	json_key(j, "error");          json_str(j, d->error ? virtq_err_name(d->error) : NULL);
	json_key(j, "error_detail");   json_str(j, d->error ? d->error_detail : NULL);
	json_key(j, "violation");      json_str(j, balloon_violation_name(b->violation));
	json_key(j, "num_pages");      json_u64(j, b->num_pages);
	json_key(j, "actual");         json_u64(j, b->actual);
	json_key(j, "held");           json_u64(j, b->held);
	json_key(j, "inflated");       json_u64(j, b->inflated);
	json_key(j, "deflated");       json_u64(j, b->deflated);
	json_key(j, "released_bytes"); json_u64(j, b->released_bytes);
	json_key(j, "config_changes"); json_u64(j, b->config_changes);
	sample_json(j, "held_resident_bytes", b->on ? balloon_held_resident(d) : -1);
	json_key(j, "rss_bytes");
	json_obj(j);
	for (int k = 0; k < 3; k++)
		sample_json(j, when[k], b->rss[k]);
	json_obj_end(j);
	json_key(j, "ram_resident_bytes");
	json_obj(j);
	for (int k = 0; k < 3; k++)
		sample_json(j, when[k], b->ram_resident[k]);
	json_obj_end(j);
	json_obj_end(j);
}

void iodev_json(struct json *j, const struct vm *vm)
{
	const struct iodev *io = vm->io;

	if (!io) {
		json_null(j);
		return;
	}
	struct virtio_dev *d = (struct virtio_dev *)&io->virtio;
	pthread_mutex_lock(&d->lock);   /* not needed after iodev_quiesce, but the rule stays simple */
	json_obj(j);
	json_key(j, "params");
	json_obj(j);
	json_key(j, "total"); json_u64(j, io->ioparam.param[IOPARAM_TOTAL]);
	json_key(j, "chunk"); json_u64(j, io->ioparam.param[IOPARAM_CHUNK]);
	json_key(j, "batch"); json_u64(j, io->ioparam.param[IOPARAM_BATCH]);
	json_obj_end(j);
	json_key(j, "uart");
	json_obj(j);
	json_key(j, "tx_bytes");   json_u64(j, io->com1.uart.tx_bytes);
	json_key(j, "irqs");       json_u64(j, io->com1.irqs);     /* IRQ 4 edges (interrupt model kernel or split) */
	json_key(j, "rx_bytes");   json_u64(j, io->com1.uart.rx_bytes);
	json_key(j, "reg_reads");  json_u64(j, io->com1.uart.reg_reads);
	json_key(j, "reg_writes"); json_u64(j, io->com1.uart.reg_writes);
	json_key(j, "divisor");    json_u64(j, io->com1.uart.divisor);
	json_key(j, "lcr");        json_u64(j, io->com1.uart.lcr);
	json_key(j, "fnv1a");      json_u64(j, io->com1.uart.fnv);
	json_obj_end(j);
	json_key(j, "virtio");
	json_obj(j);
	json_key(j, "notify");       json_str(j, io_notify_name(io->notify));
	json_key(j, "status");       json_u64(j, d->status);
	json_key(j, "needs_reset");  json_bool(j, d->status & 0x40);
	json_key(j, "error");        json_str(j, d->error ? virtq_err_name(d->error) : NULL);
	json_key(j, "error_detail"); json_str(j, d->error ? d->error_detail : NULL);
	json_key(j, "errors");       json_u64(j, d->errors);
	json_key(j, "resets");       json_u64(j, d->resets);
	json_key(j, "driver_features"); json_u64(j, d->drv_features);
	json_key(j, "notifies_seen"); json_u64(j, d->notifies);
	json_key(j, "interrupts");   json_u64(j, d->interrupts);     /* KVM_IRQFD (kernel) or kvmlab's IOAPIC (split) */
	json_key(j, "thread_wakeups"); json_u64(j, io->thread_wakeups);
	json_key(j, "chains");       json_u64(j, d->chains);
	json_key(j, "bytes");        json_u64(j, d->bytes);
	json_key(j, "fnv1a");        json_u64(j, d->fnv);
	json_key(j, "text");         json_str_n(j, d->out, d->out_len);
	json_key(j, "truncated");    json_bool(j, d->bytes > d->out_len);
	json_obj_end(j);
	const struct virtio_dev *b = &io->blk;
	json_key(j, "blk");
	json_obj(j);
	json_key(j, "present");      json_bool(j, b->blk.fd >= 0 || io->vhost);
	json_key(j, "sectors");      json_u64(j, b->blk.sectors);
	json_key(j, "status");       json_u64(j, b->status);
	json_key(j, "error");        json_str(j, b->error ? virtq_err_name(b->error) : NULL);
	json_key(j, "chains");       json_u64(j, b->chains);
	json_key(j, "reads");        json_u64(j, b->blk.reads);
	json_key(j, "writes");       json_u64(j, b->blk.writes);
	json_key(j, "flushes");      json_u64(j, b->blk.flushes);
	json_key(j, "get_ids");      json_u64(j, b->blk.get_ids);
	json_key(j, "bytes_read");   json_u64(j, b->blk.bytes_read);
	json_key(j, "bytes_written"); json_u64(j, b->blk.bytes_written);
	json_key(j, "ioerr");        json_u64(j, b->blk.ioerr);
	json_key(j, "unsupported");  json_u64(j, b->blk.unsupported);
	json_key(j, "vhost_user");
	if (io->vhost)
		vhost_json(j, io->vhost);
	else
		json_null(j);
	json_obj_end(j);
	balloon_json(j, &io->balloon);
	const struct virtio_dev *n = &io->net;
	json_key(j, "net");
	json_obj(j);
	json_key(j, "present");      json_bool(j, n->type == &virtio_net_type);
	json_key(j, "tap");          json_str(j, n->type == &virtio_net_type ? TAP_IFNAME : NULL);
	json_key(j, "host_ip");      json_str(j, n->type == &virtio_net_type ? TAP_HOST_IP : NULL);
	json_key(j, "status");       json_u64(j, n->status);
	json_key(j, "error");        json_str(j, n->error ? virtq_err_name(n->error) : NULL);
	json_key(j, "error_detail"); json_str(j, n->error ? n->error_detail : NULL);
	json_key(j, "notifies_seen"); json_u64(j, n->notifies);
	json_key(j, "thread_wakeups"); json_u64(j, io->tap.wakeups);
	json_key(j, "tx_packets");   json_u64(j, n->net.tx_packets);
	json_key(j, "tx_bytes");     json_u64(j, n->net.tx_bytes);
	json_key(j, "tx_errors");    json_u64(j, n->net.tx_errors);
	json_key(j, "rx_packets");   json_u64(j, n->net.rx_packets);
	json_key(j, "rx_bytes");     json_u64(j, n->net.rx_bytes);
	json_key(j, "rx_dropped");   json_u64(j, n->net.rx_dropped);
	json_key(j, "fnv1a");        json_u64(j, n->fnv);       /* of every frame transmitted */
	json_obj_end(j);
	json_key(j, "ioapic");          /* kvmlab's IOAPIC: present only in the split model */
	json_ioapic(j, vm);
	json_key(j, "sink");
	json_obj(j);
	json_key(j, "coalesced");    json_bool(j, io->sink.zone.on);
	json_key(j, "writes");       json_u64(j, io->sink.writes);
	json_key(j, "bytes");        json_u64(j, io->sink.bytes);
	json_key(j, "exits");        json_u64(j, io->sink.exits);
	json_key(j, "drained");      json_u64(j, io->sink.drained);
	json_key(j, "fnv1a");        json_u64(j, io->sink.fnv);
	json_obj_end(j);
	json_obj_end(j);
	pthread_mutex_unlock(&d->lock);
}

void iodev_text(FILE *out, const struct vm *vm)
{
	struct iodev *io = vm->io;

	if (!io)
		return;
	const struct uart *u = &io->com1.uart;
	if (u->reg_reads || u->reg_writes)
		fprintf(out, "uart:     %llu byte%s sent, %llu received, %llu register accesses\n",
			(unsigned long long)u->tx_bytes, u->tx_bytes == 1 ? "" : "s",
			(unsigned long long)u->rx_bytes, (unsigned long long)(u->reg_reads + u->reg_writes));
	struct virtio_dev *d = &io->virtio;
	pthread_mutex_lock(&d->lock);
	if (d->resets || d->status || d->errors)
		fprintf(out, "virtio:   notify=%s, %llu chain%s, %llu bytes, status 0x%02x%s%s\n",
			io_notify_name(io->notify), (unsigned long long)d->chains, d->chains == 1 ? "" : "s",
			(unsigned long long)d->bytes, d->status, d->error ? ", error " : "",
			d->error ? d->error_detail : "");
	pthread_mutex_unlock(&d->lock);
	const struct virtio_dev *b = &io->blk;
	if (b->blk.fd >= 0)
		fprintf(out, "blk:      %llu sectors, %llu reads, %llu writes, %llu I/O errors, status 0x%02x%s%s\n",
			(unsigned long long)b->blk.sectors, (unsigned long long)b->blk.reads,
			(unsigned long long)b->blk.writes, (unsigned long long)b->blk.ioerr, b->status,
			b->error ? ", error " : "", b->error ? b->error_detail : "");
	const struct vballoon *bl = &io->balloon.balloon;
	if (bl->on)
		fprintf(out, "balloon:  %llu pages inflated, %llu deflated, %llu held (num_pages %u, actual %u)%s%s\n",
			(unsigned long long)bl->inflated, (unsigned long long)bl->deflated,
			(unsigned long long)bl->held, bl->num_pages, bl->actual,
			io->balloon.error ? ", error " : "", io->balloon.error ? io->balloon.error_detail : "");
	if (bl->on && bl->rss[0] >= 0 && bl->rss[1] >= 0) {
		fprintf(out, "balloon:  RSS %.1f MiB before, %.1f MiB inflated", bl->rss[0] / 1048576.0,
			bl->rss[1] / 1048576.0);
		if (bl->rss[2] >= 0)
			fprintf(out, ", %.1f MiB deflated", bl->rss[2] / 1048576.0);
		fprintf(out, "\n");
	}
	const struct vhost_blk *vb = io->vhost;
	if (vb) {       /* the requests were the back-end's: kvmlab only knows how the session went */
		fprintf(out, "blk:      %llu sectors, served by vhost-user back-end: %llu messages, completion %s, "
			"stopped at avail %u, status 0x%02x%s%s",
			(unsigned long long)b->blk.sectors, (unsigned long long)vb->front.messages,
			vb->irqfd ? "by irqfd" : "checked by kvmlab", vb->front.stop_base, b->status,
			b->error ? ", error " : "", b->error ? b->error_detail : "");
		if (vb->front.mem_tables > 1)   /* memory hotplug while the ring ran: the table again each time */
			fprintf(out, ", %llu memory tables", (unsigned long long)vb->front.mem_tables);
		fprintf(out, "\n");
	}
	const struct virtio_dev *n = &io->net;
	if (n->type == &virtio_net_type)
		fprintf(out, "net:      tap %s, %llu frames sent, %llu received, %llu dropped, status 0x%02x%s%s\n",
			TAP_IFNAME, (unsigned long long)n->net.tx_packets, (unsigned long long)n->net.rx_packets,
			(unsigned long long)n->net.rx_dropped, n->status, n->error ? ", error " : "",
			n->error ? n->error_detail : "");
	struct ioapic *a = &io->ioapic;
	pthread_mutex_lock(&a->lock);
	if (vm->cfg.irqchip == IRQ_SPLIT && (a->messages || a->eois || a->undeliverable || a->masked))
		fprintf(out, "ioapic:   kvmlab's: %llu message%s (KVM_SIGNAL_MSI), %llu EOI%s from KVM, %llu dropped "
			"(masked edge, undeliverable), %llu route update%s\n",
			(unsigned long long)a->messages, a->messages == 1 ? "" : "s",
			(unsigned long long)a->eois, a->eois == 1 ? "" : "s",
			(unsigned long long)(a->masked + a->undeliverable),
			(unsigned long long)a->route_updates, a->route_updates == 1 ? "" : "s");
	pthread_mutex_unlock(&a->lock);
	if (io->sink.writes)
		fprintf(out, "sink:     %llu writes, %llu bytes, %llu exits, %llu through the coalesced ring\n",
			(unsigned long long)io->sink.writes, (unsigned long long)io->sink.bytes,
			(unsigned long long)io->sink.exits, (unsigned long long)io->sink.drained);
}
