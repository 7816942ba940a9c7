"""The composition root: the one place where clients are made and services wired."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass

from pymongo import MongoClient
from pymongo.database import Database

from service.accounts import TokenService
from service.accounts import UserService
from service.audit import AuditTrail
from service.audit import listed_audit
from service.dashboard import DashboardService
from service.documents import DocTypeService
from service.documents import DocumentService
from service.documents import FixityService
from service.documents import RecognitionService
from service.documents import listed_documents
from service.documents.ocr import Limits
from service.events import EventBus
from service.events import handlers
from service.files import CorrectionService
from service.files import DuplicateService
from service.files import FileLists
from service.files import FileService
from service.files import ImportService
from service.files import MergeService
from service.files import TemplateRegistry
from service.followups import ComplaintService
from service.followups import FollowupReport
from service.followups import FollowupService
from service.followups import FollowupTeam
from service.followups import listed_complaints
from service.followups import listed_followups
from service.fulltext import IndexQueue
from service.fulltext import SearchService
from service.fulltext import Sources
from service.intake import IntakeReview
from service.intake import IntakeService
from service.intake import VerificationService
from service.jobs import listed_jobs
from service.listings import Listings
from service.loans import DigitalGrants
from service.loans import DigitalViews
from service.loans import HandoverService
from service.loans import IncidentService
from service.loans import LoanDesk
from service.loans import LoanService
from service.loans import ReservationService
from service.loans import listed_loans
from service.notices import NoticeService
from service.privacy import PrivacyService
from service.retention import DestructionExecutor
from service.retention import DestructionRegister
from service.retention import DestructionService
from service.retention import HoldService
from service.retention import RetentionService
from service.scans import InboxService
from service.scans import ScanImportService
from service.settings import Settings
from service.sharing import PartnerService
from service.sharing import ShareLinks
from service.sharing import ShareService
from service.sweeper import Sweeper
from storage import StorageUnavailable
from storage import mongo
from storage.audit import AuditRepository
from storage.corrections import CorrectionRepository
from storage.dashboard import DashboardRepository
from storage.documents import DocumentRepository
from storage.files import FileRepository
from storage.fixity import FixityRepository
from storage.followups import FollowupRepository
from storage.imports import ImportRepository
from storage.index_pending import DocumentMarks
from storage.index_pending import PendingMarks
from storage.intake import IntakeRepository
from storage.jobs import JobQueue
from storage.listing_marks import ListingMarks
from storage.loan_records import IncidentRepository
from storage.loan_records import NoticeRepository
from storage.loan_records import ReservationRepository
from storage.loans import LoanRepository
from storage.notices import UserNoticeRepository
from storage.objects import ObjectStore
from storage.objects import make_minio
from storage.partners import PartnerRepository
from storage.privacy import PrivacyRepository
from storage.references import References
from storage.retention import RetentionRepository
from storage.retention_destructions import DestructionRepository
from storage.retention_destructions import Tombstones
from storage.retention_locks import ObjectLocks
from storage.retention_register import RegisterRepository
from storage.scan_import import ScanImportRepository
from storage.sequences import Sequences
from storage.sharing import ShareRepository
from storage.templates import TemplateRepository
from storage.tokens import TokenRepository
from storage.users import UserRepository
from storage.verification import VerificationRepository


@dataclass
class Services:
    """Everything the entrypoints (web, API, CLI, worker) reach the domain through."""

    settings: Settings
    client: MongoClient
    db: Database
    objects: ObjectStore
    jobs: JobQueue
    users: UserService
    tokens: TokenService
    audit: AuditTrail
    files: FileService
    duplicates: DuplicateService
    merging: MergeService
    corrections: CorrectionService
    templates: TemplateRegistry
    imports: ImportService
    doc_types: DocTypeService
    documents: DocumentService
    recognition: RecognitionService
    fixity: FixityService
    sweeper: Sweeper
    scan_imports: ScanImportService
    scan_inbox: InboxService
    search: SearchService
    listings: Listings
    index_queue: IndexQueue
    loans: LoanService
    loan_desk: LoanDesk
    reservations: ReservationService
    incidents: IncidentService
    handover: HandoverService
    digital_views: DigitalViews
    retention: RetentionService
    holds: HoldService
    destructions: DestructionService
    destruction_executor: DestructionExecutor
    destruction_register: DestructionRegister
    intake: IntakeService
    intake_review: IntakeReview
    verification: VerificationService
    dashboard: DashboardService
    followups: FollowupService
    complaints: ComplaintService
    followup_report: FollowupReport
    followup_team: FollowupTeam
    partners: PartnerService
    shares: ShareService
    share_links: ShareLinks
    privacy: PrivacyService
    notices: NoticeService
    events: EventBus

    def ensure_schema(self) -> None:
        """Indexes and buckets; idempotent."""
        mongo.ensure_schema(self.db, self.settings.postgres_url)
        self.objects.ensure_buckets()

    def readiness(self) -> dict[str, str]:
        """'ok' or the reason for each backing service, checked in parallel within the timeout."""
        timeout_ms = int(self.settings.ready_timeout_seconds * 1000)
        checks = {"database": lambda: mongo.ping(self.client, timeout_ms),
                  "storage": self.objects.ping}
        pool = ThreadPoolExecutor(max_workers=len(checks))
        try:
            futures = {name: pool.submit(check) for name, check in checks.items()}
            deadline = time.monotonic() + self.settings.ready_timeout_seconds + 0.5
            return {name: _outcome(future, max(0.0, deadline - time.monotonic()))
                    for name, future in futures.items()}
        finally:
            # A hung server must not hold the answer: leave its check to finish on its own.
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        """Release the database connections."""
        self.client.close()


def _outcome(future, timeout: float) -> str:
    try:
        future.result(timeout=timeout)
    except StorageUnavailable as exc:
        return f"down: {exc.reason}"
    except FutureTimeout:
        return "down: timeout"
    return "ok"


def _listings(settings: Settings, db: Database, audit: AuditRepository, loans: LoanRepository,
              documents: DocumentRepository, jobs: JobQueue, followups: FollowupRepository) -> Listings:
    """The listing indexes of the kinds lists read at scale, one directory per database (the indexes are
    derived from one database, whatever else shares the data directory)."""
    kinds = {"loan": listed_loans(loans), "audit": listed_audit(audit), "document": listed_documents(documents),
             "job": listed_jobs(jobs), "followup": listed_followups(followups),
             "complaint": listed_complaints(followups)}
    return Listings(ListingMarks(db), settings.data_dir / "listings" / settings.db_name, kinds)


def build_services(settings: Settings) -> Services:
    """Make the clients (lazily connecting) and wire the services over them."""
    client = mongo.make_client(settings.mongo_url, timeout_ms=int(settings.ready_timeout_seconds * 1000))
    db = client[settings.db_name]
    minio = make_minio(settings.s3_endpoint, settings.s3_access_key, settings.s3_secret_key,
                       settings.s3_secure, settings.s3_region,
                       timeout_seconds=settings.ready_timeout_seconds)
    # Services publish through the bus from the start; it is connected to the handlers (methods of services
    # built after the ones that publish: retention needs the files it reacts to) once all are built, below.
    events = EventBus()
    users = UserService(UserRepository(db), events)
    audit_repo, loan_repo, document_repo = AuditRepository(db), LoanRepository(db), DocumentRepository(db)
    followup_repo = FollowupRepository(db)
    jobs = JobQueue(db, max_attempts=settings.job_max_attempts)
    listings = _listings(settings, db, audit_repo, loan_repo, document_repo, jobs, followup_repo)
    audit = AuditTrail(audit_repo, listings)
    registry = TemplateRegistry(TemplateRepository(db), audit)
    objects = ObjectStore(minio, settings.bucket_prefix)
    index_queue = IndexQueue(jobs, PendingMarks(db), DocumentMarks(db))
    doc_types = DocTypeService(document_repo, registry, audit)
    retention_repo = RetentionRepository(db)
    grants = DigitalGrants(loan_repo)  # what digital loans open, read from the loans' records by files and search
    search = SearchService(Sources(FileRepository(db), document_repo, objects, doc_types, retention_repo,
                                   index_queue.pending, index_queue.document_marks), settings.search_dir,
                           borrowed=grants.files)
    lists = FileLists(search.sources.files, search, index_queue.pending, retention_repo)
    files = FileService(search.sources.files, Sequences(db), audit, settings.archive_number_rule, registry, events,
                        notify=index_queue, lists=lists, grants=grants.opens)
    limits = Limits(dpi=settings.ocr_dpi, max_pixels=settings.ocr_max_pixels,
                    page_timeout_seconds=settings.ocr_page_timeout_seconds)
    documents = DocumentService(document_repo, files, objects, jobs, audit, doc_types, settings.max_upload_bytes,
                                index_queue.document_marks, events)
    scan_repo = ScanImportRepository(db)
    scan_inbox = InboxService(scan_repo, documents, objects, audit)
    scan_imports = ScanImportService(scan_repo, files, documents, doc_types, scan_inbox, users, objects, jobs, audit,
                                     settings.archive_number_rule, settings.max_upload_bytes,
                                     settings.ocr_max_pixels, settings.data_dir / "scan-work")
    loans = LoanService(loan_repo, files, audit, settings.loan_days, listings, grants, events, settings.timezone)
    notices = NoticeService(UserNoticeRepository(db), jobs)
    reservations = ReservationService(ReservationRepository(db), NoticeRepository(db), loans, audit)
    incidents = IncidentService(IncidentRepository(db), audit)
    loan_desk = LoanDesk(loans, incidents, reservations, users, audit, settings.loan_renewal_limit)
    retention = RetentionService(retention_repo, files, document_repo, loans.repo, doc_types, registry,
                                 ObjectLocks(minio, objects), audit, settings.timezone, notify=index_queue, lists=lists)
    destructions = DestructionService(DestructionRepository(db), retention, loans.repo, Sequences(db), audit)
    register = DestructionRegister(RegisterRepository(db))
    executor = DestructionExecutor(destructions, Tombstones(db), objects, search, register, audit, jobs)
    intake = IntakeService(IntakeRepository(db), files, document_repo, doc_types, audit)
    followups = FollowupService(followup_repo, files, users, audit, listings, settings.timezone)
    verification = VerificationService(VerificationRepository(db), files, audit, settings.timezone)
    partners = PartnerService(PartnerRepository(db), objects, audit)
    shares = ShareService(ShareRepository(db), partners.repo, files, documents, registry, audit, events,
                          settings.timezone)
    privacy = PrivacyService(PrivacyRepository(db), files, registry, retention, audit, documents, loan_repo, objects)
    events.connect(handlers(retention=retention, followups=followups, index=index_queue, notices=notices,
                            loans=loans, loan_desk=loan_desk, privacy=privacy))
    return Services(intake=intake, notices=notices, intake_review=IntakeReview(intake), verification=verification,
                    followups=followups, complaints=ComplaintService(followups.repo, followups, audit),
                    followup_report=FollowupReport(followups.repo, followups), followup_team=FollowupTeam(followups),
                    retention=retention, holds=HoldService(retention, audit), destructions=destructions,
                    destruction_executor=executor, destruction_register=register,
                    doc_types=doc_types, loans=loans, loan_desk=loan_desk, reservations=reservations,
                    incidents=incidents, handover=HandoverService(loans, reservations, files, users, audit),
                    digital_views=DigitalViews(loans, documents, audit, settings.timezone),
                    fixity=FixityService(FixityRepository(db), document_repo, objects, audit),
                    sweeper=Sweeper(References(db), document_repo, objects, jobs, settings.sweep_grace_seconds,
                                    index_queue),
                    documents=documents, scan_imports=scan_imports, scan_inbox=scan_inbox,
                    recognition=RecognitionService(document_repo, objects, limits, settings.data_dir / "work",
                                                   notify=index_queue),
                    search=search, listings=listings,
                    index_queue=index_queue, events=events,
                    settings=settings, client=client, db=db, objects=objects, jobs=jobs,
                    templates=registry,
                    imports=ImportService(ImportRepository(db), files, registry, users, objects, jobs),
                    users=users,
                    tokens=TokenService(TokenRepository(db), users, settings.token_days),
                    audit=audit, files=files, duplicates=DuplicateService(files), merging=MergeService(files, events),
                    corrections=CorrectionService(CorrectionRepository(db), files),
                    dashboard=DashboardService(DashboardRepository(db), jobs, loans, listings, settings.timezone,
                                               lists=lists, verification=verification),
                    partners=partners, shares=shares, share_links=ShareLinks(shares), privacy=privacy)
