// Routes and the providers every page shares. Pages load lazily so the runs page (the landing
// page) does not wait for the query console's editor or the charts' libraries.
import { lazy, Suspense } from "react";
import { QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { BrowserRouter, Navigate, Route, Routes } from "react-router-dom";
import { SessionProvider } from "./api/session";
import { Layout } from "./components/Layout";
import { RequireSession } from "./components/RequireSession";
import { Loading } from "./components/States";
import LoginPage from "./pages/LoginPage";
import RunsPage from "./pages/runs/RunsPage";

const RunPage = lazy(() => import("./pages/runs/RunPage"));
const RejectsPage = lazy(() => import("./pages/rejects/RejectsPage"));
const DatasetsPage = lazy(() => import("./pages/datasets/DatasetsPage"));
const DatasetPage = lazy(() => import("./pages/datasets/DatasetPage"));
const QueryPage = lazy(() => import("./pages/query/QueryPage"));
const PipelinesPage = lazy(() => import("./pages/pipelines/PipelinesPage"));
const PipelinePage = lazy(() => import("./pages/pipelines/PipelinePage"));
const AdminPage = lazy(() => import("./pages/admin/AdminPage"));

export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      // A 4xx will not get better by asking again; a dropped connection might.
      queries: { retry: (count, error) => count < 2 && !(error instanceof Error && "status" in error && Number(error.status) < 500), staleTime: 5_000 },
    },
  });
}

const queryClient = createQueryClient();

export function App() {
  return (
    <QueryClientProvider client={queryClient}>
      <SessionProvider>
        <BrowserRouter>
          <Routes>
            <Route path="/login" element={<LoginPage />} />
            <Route element={<RequireSession><Layout /></RequireSession>}>
              <Route index element={<Navigate to="/runs" replace />} />
              <Route path="runs" element={<RunsPage />} />
              <Route path="runs/:id" element={<Lazy><RunPage /></Lazy>} />
              <Route path="runs/:id/rejects" element={<Lazy><RejectsPage /></Lazy>} />
              <Route path="datasets" element={<Lazy><DatasetsPage /></Lazy>} />
              <Route path="datasets/:name" element={<Lazy><DatasetPage /></Lazy>} />
              <Route path="query" element={<Lazy><QueryPage /></Lazy>} />
              <Route path="pipelines" element={<Lazy><PipelinesPage /></Lazy>} />
              <Route path="pipelines/:name" element={<Lazy><PipelinePage /></Lazy>} />
              <Route path="admin" element={<Lazy><AdminPage /></Lazy>} />
              <Route path="*" element={<NotFound />} />
            </Route>
          </Routes>
        </BrowserRouter>
      </SessionProvider>
    </QueryClientProvider>
  );
}

function Lazy({ children }: { children: React.ReactNode }) {
  return <Suspense fallback={<Loading what="page" />}>{children}</Suspense>;
}

function NotFound() {
  return (
    <div className="page" role="alert" data-testid="not-found">
      <h1>Not found</h1>
      <p>No page at this address.</p>
    </div>
  );
}
